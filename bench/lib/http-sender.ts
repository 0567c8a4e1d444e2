/**
 * POSTs over a pool of keep-alive HTTP/1.1 connections (node:http), with callbacks rather than
 * promises: at thousands of requests a second the load generator's own overhead matters.
 */
import http from "node:http";

export interface PostResult {
  status: number;
  /** The start of the answer when it is not a success, to say why. */
  errorBody?: string;
}

export class HttpSender {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, connections: number) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  post(path: string, token: string, body: string, done: (result: PostResult) => void): void {
    const request = http.request(
      {
        host: this.host,
        port: this.port,
        path,
        method: "POST",
        agent: this.agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          accept: "application/json",
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          response.resume();
          response.on("end", () => done({ status }));
          return;
        }
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (text.length < 500) text += chunk;
        });
        response.on("end", () => done({ status, errorBody: text.slice(0, 500) }));
      },
    );
    request.on("error", (error) => done({ status: 0, errorBody: error.message }));
    request.end(body);
  }

  close(): void {
    this.agent.destroy();
  }
}
