// How a bearer token becomes a user. Every failure, including an unreachable key server, is "not
// authenticated": callers see UNAUTHENTICATED, never a 500.
export interface Viewer {
  userId: string;
}

export interface Authenticator {
  /** null when the token is missing, malformed, expired, of the wrong audience/role, or unverifiable */
  verify(token: string): Promise<Viewer | null>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
