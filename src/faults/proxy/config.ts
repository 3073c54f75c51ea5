/** The fault proxy's configuration and events, as the proxy program declares them (src/proxy/types.ts). */
export type {
  Direction,
  HttpAction,
  HttpFault,
  HttpMatch,
  ProxyConfig,
  ProxyEvent,
  ProxyListener,
  TcpToxic,
} from '../../proxy/types.js';
