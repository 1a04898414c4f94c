// The editor's calls: OGC API – Features Part 4 with optimistic locking (ETag / If-Match), and
// the feature history. Session cookie + the session's CSRF token on every write.
import {checked, csrfHeaders, currentUser, getJson} from 'lib/http.js';

const GEOJSON = 'application/geo+json';

export class Api {
  me() {
    return currentUser();
  }

  async logout() {
    await fetch('/auth/logout', {method: 'POST', headers: csrfHeaders()});
  }

  json(url) {
    return getJson(url);
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
    const response = await checked(await fetch(`/collections/${layerId}/items/${fid}`,
                                               {headers: {Accept: GEOJSON}}));
    return {feature: await response.json(), etag: response.headers.get('ETag')};
  }

  async write(method, url, {body, etag} = {}) {
    const headers = csrfHeaders();
    if (body) headers['Content-Type'] = GEOJSON;
    if (etag) headers['If-Match'] = etag;
    const response = await checked(await fetch(url, {
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
