/**
 * Control characters, format characters (zero-width and bidirectional controls such as U+200B and
 * U+202E) and lone surrogates: nothing a person types into a name or a title. They would let one
 * caller make text that displays as something else, or that JSON escapes at six bytes each.
 */
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/** True when `value` holds a character no free-text field takes. */
export function hasUnprintable(value: string): boolean {
  return unprintable.test(value);
}

/** The problem with a free-text field, naming it, or undefined when it is fine. */
export function freeTextProblem(field: string, value: string): string | undefined {
  return hasUnprintable(value)
    ? `${field} may not contain control or format characters (such as U+0000-U+001F, U+200B or U+202E)`
    : undefined;
}

/** A display name from a token, with what no free-text field takes removed. */
export function printable(value: string): string {
  return value.replace(new RegExp(unprintable.source, 'gu'), '');
}
