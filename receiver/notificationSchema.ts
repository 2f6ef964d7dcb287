import { z } from 'zod';

/**
 * The body Graph POSTs to a notification or lifecycle URL (changeNotificationCollection): a
 * `value` array of notifications, each naming its subscription and echoing its clientState, and
 * carrying either a changeType (change notification) or a lifecycleEvent (lifecycle
 * notification), never both. Other fields Graph sends are allowed and ignored.
 */
const identifier = z.string().min(1).max(200);

const notification = z
  .object({
    subscriptionId: identifier,
    // Graph caps clientState at 128 characters; ours are 43.
    clientState: z.string().max(128).optional(),
    changeType: z.enum(['created', 'updated', 'deleted']).optional(),
    lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']).optional(),
    id: identifier.optional(),
    tenantId: identifier.optional(),
    resource: z.string().max(2_000).optional(),
    subscriptionExpirationDateTime: z.string().max(64).optional(),
    resourceData: z.object({ id: identifier.optional() }).loose().optional(),
  })
  .loose()
  .refine((n) => (n.changeType === undefined) !== (n.lifecycleEvent === undefined), {
    message: 'a notification carries either changeType or lifecycleEvent',
  });

export const NotificationCollection = z.object({ value: z.array(notification).min(1).max(1_000) }).loose();

export type GraphNotification = z.infer<typeof notification>;
