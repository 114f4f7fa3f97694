import { NotFoundView } from "@/components/ui/not-found-view";

export default function SearchNotFound() {
  return <NotFoundView title="Not found" />;
}
