// What a person reads in Synced=False, an Event or a CLI error must be a sentence about their
// object, never a leak of the program's insides.

const STACK_FRAME = /\n\s+at .+:\d+:\d+/;
const UNREADABLE: readonly { readonly test: (m: string) => boolean; readonly why: string }[] = [
  { test: (m) => m.trim().length === 0, why: "is empty" },
  { test: (m) => m.includes("[object Object]"), why: 'contains "[object Object]"' },
  { test: (m) => /\bundefined\b/.test(m), why: 'contains "undefined"' },
  { test: (m) => /\bNaN\b/.test(m), why: 'contains "NaN"' },
  { test: (m) => STACK_FRAME.test(m), why: "contains a stack trace" },
  { test: (m) => m.length > 4_000, why: "is longer than 4,000 characters" },
];

/** Why a message is not fit to show a person, or undefined when it is. */
export function unreadable(message: string | undefined): string | undefined {
  if (message === undefined) return "is missing";
  return UNREADABLE.find((u) => u.test(message))?.why;
}
