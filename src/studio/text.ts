// One rule for every piece of text a seller sends: well-formed Unicode, no control characters but
// tab and line breaks (NUL cannot even be stored by Postgres), and limits counted in characters
// (code points), so an emoji counts as one, as the README promises.
import { InvalidInputError } from './errors.js';

// C0 controls except \t \n \r, and DEL.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const characters = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** Throws InvalidInputError(field) unless `text` is clean and at most `max` characters. */
export function checkText(field: string, text: string, max: number): string {
  if (!text.isWellFormed()) throw new InvalidInputError(field, `${field} is not valid Unicode text (a lone surrogate).`);
  if (CONTROL.test(text)) throw new InvalidInputError(field, `${field} contains a control character (such as NUL); send plain text.`);
  if (characters(text) > max) throw new InvalidInputError(field, `${field} is limited to ${max} characters.`);
  return text;
}
