import { NewAuditForm } from "./new-audit-form";

export default function NewAuditPage() {
  return <NewAuditForm />;
}
