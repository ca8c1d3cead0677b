/**
 * The `WWW-Authenticate` value of a 401 (../shared/API.md, "Errors"). RFC 9110 §15.5.2 wants one
 * on every 401; RFC 6750 §3 adds `error="invalid_token"` only when an access token was presented
 * and refused, and no error code when the request carried none (a missing token, a failed login,
 * a refused refresh token).
 */
export function bearerChallenge(tokenRefused: boolean): string {
  return tokenRefused ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"';
}

/**
 * What an exception tells the exception filter about its 401, so that shared code needs no
 * knowledge of a feature's error codes: whether it is one an access token can be refused with
 * (expired, invalid, its session revoked) rather than a wrong password or code.
 */
export interface AccessTokenRefusal {
  readonly concernsAccessToken: boolean;
}

export function concernsAccessToken(exception: unknown): boolean {
  return (
    typeof exception === 'object' &&
    exception !== null &&
    (exception as Partial<AccessTokenRefusal>).concernsAccessToken === true
  );
}
