/** The IPC between the bare-relay scenario and its server process. */
export type RelayRequest = { type: 'cpu' };
export type RelayMessage = { type: 'ready'; port: number; native: boolean } | { type: 'cpu'; seconds: number; peakRssMb: number };
