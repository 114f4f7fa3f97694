import { NotFoundView } from "@/components/ui/not-found-view";

export default function AuditNotFound() {
  return <NotFoundView title="Not found" />;
}
