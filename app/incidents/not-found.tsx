import { NotFoundView } from "@/components/ui/not-found-view";

export default function IncidentsNotFound() {
  return <NotFoundView title="Not found" />;
}
