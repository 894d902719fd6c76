/// <reference lib="dom" />
// What the page keeps: the idempotency key a request is sent with (and subscribed to by, before it
// is sent), and the settings it remembers in localStorage (token, language).
export const store = {
  get: (key: string) => localStorage.getItem(`etalase.${key}`),
  set: (key: string, value: string | null) => (value === null ? localStorage.removeItem(`etalase.${key}`) : localStorage.setItem(`etalase.${key}`, value)),
};

// crypto.randomUUID exists only in secure contexts; a phone opening http://<LAN address>:4000 is not one.
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
