export { ApiClient, type ApiClientOptions } from "./api-client.ts";
