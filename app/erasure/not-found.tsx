import { NotFoundView } from "@/components/ui/not-found-view";

export default function ErasureNotFound() {
  return <NotFoundView title="Not found" />;
}
