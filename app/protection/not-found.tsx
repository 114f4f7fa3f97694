import { NotFoundView } from "@/components/ui/not-found-view";

export default function ProtectionNotFound() {
  return (
    <NotFoundView title="Service not found">
      <p>
        Lazarus&apos;s configuration names no such service. <a href="/protection">See every configured service&apos;s protection</a>.
      </p>
    </NotFoundView>
  );
}
