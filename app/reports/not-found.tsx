import { NotFoundView } from "@/components/ui/not-found-view";

export default function ReportsNotFound() {
  return <NotFoundView title="Not found" />;
}
