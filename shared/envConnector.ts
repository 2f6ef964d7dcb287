/** The connector `npm start` configures from ENTRA_* variables (or the simulator). */
export const ENV_CONNECTOR_ID = 'default';
