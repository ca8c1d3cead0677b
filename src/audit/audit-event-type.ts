/** Every kind of auth event the audit log records (../shared/API.md, /admin/audit-events). */
export enum AuditEventType {
  Register = 'register',
  LoginSucceeded = 'login_succeeded',
  LoginFailed = 'login_failed',
  Lockout = 'lockout',
  Refresh = 'refresh',
  RefreshTokenReused = 'refresh_token_reused',
  Logout = 'logout',
  LogoutAll = 'logout_all',
  SessionRevoked = 'session_revoked',
  AdminGranted = 'admin_granted',
}
