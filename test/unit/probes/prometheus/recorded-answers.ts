/**
 * Answers of a real Prometheus 2.42 (Debian's package) to GET /api/v1/query, recorded from a server
 * scraping itself, with the HTTP status each came with.
 */
export const RECORDED = {
  oneSeries: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:19191","job":"faultline"},"value":[1796519911.841,"1"]}]}}',
  },
  twoSeries: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"prometheus_http_requests_total","code":"200","handler":"/-/ready","instance":"127.0.0.1:19191","job":"faultline"},"value":[1796519912.128,"1"]},{"metric":{"__name__":"prometheus_http_requests_total","code":"200","handler":"/metrics","instance":"127.0.0.1:19191","job":"faultline"},"value":[1796519912.128,"2"]}]}}',
  },
  aggregate: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1796519911.893,"1"]}]}}',
  },
  scalar: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"scalar","result":[1796519911.917,"1"]}}',
  },
  plusInf: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"scalar","result":[1796519911.928,"+Inf"]}}',
  },
  minusInf: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"scalar","result":[1796519911.945,"-Inf"]}}',
  },
  nanVector: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1796519911.978,"NaN"]}]}}',
  },
  empty: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"vector","result":[]}}',
  },
  badQuery: {
    status: 400,
    body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:11: parse error: unclosed left parenthesis"}',
  },
  manyToMany: {
    status: 422,
    body: '{"status":"error","errorType":"execution","error":"found duplicate series for the match group {} on the right hand-side of the operation: [{__name__=\\"prometheus_http_requests_total\\", code=\\"200\\", handler=\\"/metrics\\", instance=\\"127.0.0.1:19191\\", job=\\"faultline\\"}, {__name__=\\"prometheus_http_requests_total\\", code=\\"200\\", handler=\\"/-/ready\\", instance=\\"127.0.0.1:19191\\", job=\\"faultline\\"}];many-to-many matching not allowed: matching labels must be unique on one side"}',
  },
  matrix: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"127.0.0.1:19191","job":"faultline"},"values":[[1796519909.760,"1"],[1796519910.760,"1"],[1796519911.760,"1"]]}]}}',
  },
  string: {
    status: 200,
    body: '{"status":"success","data":{"resultType":"string","result":[1796519912.07,"text"]}}',
  },
} as const;
