import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadKeyRing } from '../../activities/secrets/secretCipher';
import { ConfigError, loadConfig } from '../../shared/config';
import { notificationUrls } from '../../shared/notificationUrls';
import { notificationSettings } from '../../workers/notificationSettings';

describe('ENTRA_NOTIFICATION_URL', () => {
  it("names the receiver: Graph gets its /notifications and /lifecycle endpoints, under a proxy's path prefix too", () => {
    const both = { notificationUrl: 'https://notify.example.com/notifications', lifecycleNotificationUrl: 'https://notify.example.com/lifecycle' };
    expect(notificationUrls('https://notify.example.com')).toEqual(both);
    expect(notificationUrls('https://notify.example.com/')).toEqual(both);
    expect(notificationUrls('https://notify.example.com/notifications')).toEqual(both);
    expect(notificationUrls('https://example.com/entra/')).toEqual({
      notificationUrl: 'https://example.com/entra/notifications',
      lifecycleNotificationUrl: 'https://example.com/entra/lifecycle',
    });
  });

  it('is optional, must be HTTPS, and needs the key that seals the clientStates', () => {
    expect(loadConfig({}).notificationUrl).toBeUndefined();
    expect(loadConfig({ ENTRA_NOTIFICATION_URL: 'https://notify.example.com' }).notificationUrl).toBe('https://notify.example.com');
    expect(() => loadConfig({ ENTRA_NOTIFICATION_URL: 'http://notify.example.com' })).toThrowError(ConfigError);
    expect(() => loadConfig({ ENTRA_NOTIFICATION_URL: 'http://notify.example.com' })).toThrowError(/must use https: Graph delivers change notifications to HTTPS endpoints only/);
    expect(notificationSettings(undefined, undefined)).toBeUndefined();
    expect(() => notificationSettings('https://notify.example.com', undefined)).toThrowError(/ENTRA_NOTIFICATION_URL is set but ENTRA_SYNC_ENCRYPTION_KEY is not/);
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    expect(notificationSettings('https://notify.example.com', keys)?.urls.lifecycleNotificationUrl).toBe('https://notify.example.com/lifecycle');
  });
});
