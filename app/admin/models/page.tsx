import { ModelsView } from "./models-view";

export default function ModelsPage() {
  return <ModelsView />;
}
