import { loadConfig } from "@/lib/config/load";

export const dynamic = "force-dynamic";

export default function HomePage() {
  const config = loadConfig();
  return (
    <main>
      <h1>Lazarus</h1>
      <p>
        Archive <code>s3://{config.archive.bucket}/{config.archive.prefix}</code> in {config.region}
      </p>
      <h2>Services</h2>
      <ul>
        {config.services.map((s) => (
          <li key={s.name}>
            <strong>{s.name}</strong> — table <code>{s.table.name}</code>
            {s.description ? ` (${s.description})` : null}
          </li>
        ))}
      </ul>
    </main>
  );
}
