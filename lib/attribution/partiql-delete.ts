/**
 * The key a PartiQL DELETE names, read from the statement as CloudTrail logs it.
 * CloudTrail keeps literals that compare key attributes and redacts other values
 * ("***(Redacted)"); a statement with parameters ("?") logs no key values at all.
 */
export interface PartiqlDelete {
  table: string;
  /** Attribute name to the literal it is compared with (text as written, quotes removed). */
  literals: Map<string, { kind: "string" | "number"; text: string }>;
}

type Token = { kind: "ident" | "string" | "number" | "word" | "symbol"; text: string };

function tokenize(statement: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < statement.length) {
    const c = statement[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let text = "";
      let j = i + 1;
      for (;;) {
        if (j >= statement.length) return null;
        if (statement[j] === c) {
          // A doubled quote is an escaped quote in PartiQL.
          if (statement[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        text += statement[j];
        j++;
      }
      tokens.push({ kind: c === '"' ? "ident" : "string", text });
      i = j + 1;
    } else if (/[-0-9.]/.test(c)) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(statement.slice(i));
      if (!m) return null;
      tokens.push({ kind: "number", text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(statement.slice(i))!;
      tokens.push({ kind: "word", text: m[0] });
      i += m[0].length;
    } else {
      tokens.push({ kind: "symbol", text: c });
      i++;
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string) => t?.kind === "word" && t.text.toUpperCase() === word;

/** The table and key literals of a DELETE statement; null for anything else. */
export function parsePartiqlDelete(statement: string): PartiqlDelete | null {
  const tokens = tokenize(statement);
  if (!tokens || !isWord(tokens[0], "DELETE") || !isWord(tokens[1], "FROM")) return null;
  const tableToken = tokens[2];
  if (!tableToken || (tableToken.kind !== "ident" && tableToken.kind !== "word")) return null;
  const literals = new Map<string, { kind: "string" | "number"; text: string }>();
  if (!isWord(tokens[3], "WHERE")) return { table: tableToken.text, literals };
  // Only a conjunction of comparisons is read; an OR makes the named keys alternatives, not the key.
  let i = 4;
  while (i < tokens.length) {
    const name = tokens[i];
    if (isWord(name, "RETURNING")) break;
    if (isWord(name, "OR")) return { table: tableToken.text, literals: new Map() };
    if ((name?.kind === "ident" || name?.kind === "word") && tokens[i + 1]?.text === "=") {
      const value = tokens[i + 2];
      if (value?.kind === "string" || value?.kind === "number") literals.set(name.text, { kind: value.kind, text: value.text });
      i += 3;
      continue;
    }
    i++;
  }
  return { table: tableToken.text, literals };
}
