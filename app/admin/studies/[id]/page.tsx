import { StudyView } from "./study-view";

export default async function StudyPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <StudyView studyId={id} />;
}
