import { NewStudyForm } from "./new-study-form";

export default function NewStudyPage() {
  return <NewStudyForm />;
}
