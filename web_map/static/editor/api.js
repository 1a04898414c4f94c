// The editor's calls: OGC API – Features Part 4 with optimistic locking (ETag / If-Match), and
// the feature history. Session cookie + the session's CSRF token on every write.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function check(response) {
  if (response.ok) return response;
  const problem = await response.json().catch(() => ({}));
  throw new ApiError(response.status, problem);
}

const GEOJSON = 'application/geo+json';

export class Api {
  constructor() {
    this.csrf = '';
  }

  async me() {
    const body = await (await check(await fetch('/auth/me'))).json();
    this.csrf = body.csrf_token || '';
    return body;
  }

  async logout() {
    await fetch('/auth/logout', {method: 'POST', headers: {'X-CSRF-Token': this.csrf}});
  }

  /** A JSON write (POST/PUT/PATCH/DELETE); a problem JSON becomes an ApiError. */
  async sendJson(method, url, body) {
    const response = await fetch(url, {
      method, headers: {'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const doc = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, doc);
    return doc;
  }

  async json(url) {
    return (await check(await fetch(url, {headers: {Accept: 'application/json'}}))).json();
  }

  collections() {
    return this.json('/collections');
  }

  queryables(layerId) {
    return this.json(`/collections/${layerId}/queryables`);
  }

  items(layerId, bbox, limit) {
    return this.json(`/collections/${layerId}/items?bbox=${bbox.join(',')}&limit=${limit}`);
  }

  /** A feature with the entity tag the next write must send. */
  async feature(layerId, fid) {
    const response = await check(await fetch(`/collections/${layerId}/items/${fid}`,
                                             {headers: {Accept: GEOJSON}}));
    return {feature: await response.json(), etag: response.headers.get('ETag')};
  }

  async write(method, url, {body, etag} = {}) {
    const headers = {'X-CSRF-Token': this.csrf};
    if (body) headers['Content-Type'] = GEOJSON;
    if (etag) headers['If-Match'] = etag;
    const response = await check(await fetch(url, {
      method, headers, body: body ? JSON.stringify(body) : undefined,
    }));
    const text = await response.text();
    return {
      etag: response.headers.get('ETag'),
      location: response.headers.get('Location'),
      feature: text ? JSON.parse(text) : null,
    };
  }

  create(layerId, feature) {
    return this.write('POST', `/collections/${layerId}/items`, {body: feature});
  }

  replace(layerId, fid, feature, etag) {
    return this.write('PUT', `/collections/${layerId}/items/${fid}`, {body: feature, etag});
  }

  remove(layerId, fid, etag) {
    return this.write('DELETE', `/collections/${layerId}/items/${fid}`, {etag});
  }

  versions(layerId, fid) {
    return this.json(`/collections/${layerId}/items/${fid}/versions`);
  }

  revert(layerId, fid, version, etag) {
    return this.write('POST', `/collections/${layerId}/items/${fid}/revert?version=${version}`,
                      {etag});
  }
}
