// The part of the official midtrans-client (CommonJS, no types of its own) that the adapter uses.
declare module 'midtrans-client' {
  interface ApiConfig {
    isProduction: boolean;
    serverKey: string;
    clientKey: string;
    getSnapApiBaseUrl(): string;
    getCoreApiBaseUrl(): string;
  }
  interface Transaction {
    status(orderOrTransactionId: string): Promise<Record<string, unknown>>;
  }
  class Snap {
    constructor(options: { isProduction: boolean; serverKey: string; clientKey?: string });
    apiConfig: ApiConfig;
    httpClient: { http_client: { defaults: { timeout?: number; headers: { common: Record<string, string> } } } };
    transaction: Transaction;
    createTransaction(parameter: Record<string, unknown>): Promise<{ token: string; redirect_url: string }>;
  }
  class MidtransError extends Error {
    httpStatusCode: number | string | null;
    ApiResponse: unknown;
  }
  const midtrans: { Snap: typeof Snap; MidtransError: typeof MidtransError };
  export default midtrans;
}
