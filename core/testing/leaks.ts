// A secret counts as leaked when any usual encoding of it shows up in text a person or a log
// collector sees: as is, base64 (how a Secret's data is written, and how a careless dump shows a
// Buffer), base64url, JSON-escaped (a PEM key inside a JSON log line), percent-encoded (a URI), or
// hex. Long values (a private key) also count when a distinctive slice of them appears, so a
// truncated echo is caught too.

/** A secret the scan looks for, by a name that says what it is (never its value). */
export interface Secret {
  readonly name: string;
  readonly value: string;
}

/** Text from one place that was scanned: a log, an object, a command's output. */
export interface Haystack {
  readonly place: string;
  readonly text: string;
}

export interface Leak {
  readonly secret: string;
  readonly form: string;
  readonly place: string;
}

/** Shortest form worth searching: shorter needles would match by chance. */
const MIN_NEEDLE = 8;
/** Length of the slices a long value is also searched by. */
const SLICE = 40;

/** The forms a secret value can take in text, by name. */
export function leakForms(value: string): ReadonlyMap<string, string> {
  const forms = new Map<string, string>([
    ["raw", value],
    ["base64", Buffer.from(value, "utf8").toString("base64")],
    ["base64url", Buffer.from(value, "utf8").toString("base64url")],
    ["json-escaped", JSON.stringify(value).slice(1, -1)],
    ["percent-encoded", encodeURIComponent(value)],
    ["hex", Buffer.from(value, "utf8").toString("hex")],
  ]);
  // Slices from the middle of every line of a long value (a PEM body): an echo cut short still holds one.
  if (value.length > 2 * SLICE) {
    const lines = value.split("\n").filter((l) => l.length >= SLICE && !l.startsWith("-----"));
    lines.forEach((line, i) => forms.set(`line ${i + 1} slice`, line.slice(0, SLICE)));
  }
  // One needle per distinct text (a plain password is its own JSON-escaped form), each long enough to mean something.
  const distinct = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, needle] of forms) {
    if (needle.length < MIN_NEEDLE || seen.has(needle)) continue;
    seen.add(needle);
    distinct.set(name, needle);
  }
  return distinct;
}

/** Every place where any form of any secret occurs; empty when nothing leaked. */
export function findLeaks(secrets: readonly Secret[], haystacks: readonly Haystack[]): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    if (secret.value.length < MIN_NEEDLE) throw new Error(`secret ${secret.name} is shorter than ${MIN_NEEDLE} characters: a scan for it would prove nothing`);
    for (const [form, needle] of leakForms(secret.value)) {
      leaks.push(...haystacks.filter((h) => h.text.includes(needle)).map((h) => ({ secret: secret.name, form, place: h.place })));
    }
  }
  return leaks;
}
