import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Lets operators filter runs by tenant in the Web UI: `TenantId = "<guid>"`. */
export const TENANT_ID = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
