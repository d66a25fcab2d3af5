// Calls to the API with the bearer token. The token lives in this tab's sessionStorage
// only (never in a URL or a cookie); every data request sends it in the Authorization
// header, as any other API client does.
const KEY = "dandori.token";

export const token = {
  get: () => sessionStorage.getItem(KEY) || "",
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token.get()}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: "no-store",
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (!res.ok) throw new ApiError(res.status, data?.error?.message || `HTTP ${res.status}`);
  return data;
}

// Every event of a job after `after` (the API pages by 1000).
export async function eventsAfter(id, after) {
  const out = [];
  for (;;) {
    const page = await api(`/v1/jobs/${encodeURIComponent(id)}/events?afterSeq=${after}&limit=1000`);
    out.push(...(page.events || []));
    if ((page.events || []).length < 1000) return out;
    after = page.nextAfterSeq;
  }
}
