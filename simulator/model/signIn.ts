/** A sign-in record (/auditLogs/signIns), the fields Graph v1.0 returns that matter here. */
export interface SignIn {
  id: string;
  createdDateTime: string;
  userDisplayName: string;
  userPrincipalName: string;
  userId: string;
  appId: string;
  appDisplayName: string;
  ipAddress: string;
  clientAppUsed: string;
  correlationId: string;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  isInteractive: boolean;
  resourceDisplayName: string;
  /** The resource's appId (e.g. Microsoft Graph's 00000003-…). */
  resourceId: string;
  riskDetail: string;
  riskLevelAggregated: string;
  riskLevelDuringSignIn: string;
  riskState: string;
  status: { errorCode: number; failureReason: string | null; additionalDetails: string | null };
  deviceDetail: { deviceId: string; displayName: string; operatingSystem: string; browser: string; isCompliant: boolean; isManaged: boolean; trustType: string };
  location: { city: string; state: string | null; countryOrRegion: string; geoCoordinates: null };
}

/** Common sign-in error codes and the reasons Entra gives for them. */
export const SIGN_IN_FAILURES: ReadonlyArray<{ errorCode: number; failureReason: string }> = [
  { errorCode: 50126, failureReason: 'Error validating credentials due to invalid username or password.' },
  { errorCode: 50074, failureReason: 'Strong Authentication is required.' },
  { errorCode: 50140, failureReason: "This error occurred due to 'Keep me signed in' interrupt when the user was signing in." },
  { errorCode: 53003, failureReason: 'Access has been blocked by Conditional Access policies.' },
];
