// The web view's entry: the login form (the token goes to this tab's sessionStorage)
// and the routes #/ (jobs, ?state= filter) and #/jobs/N (a job).
import { h, clear } from "./dom.js";
import { api, token } from "./api.js";
import { jobsPage } from "./jobs.js";
import { jobPage } from "./job.js";

const root = document.getElementById("app");
let stop = null;

function login(error) {
  if (stop) stop();
  stop = null;
  token.clear();
  const input = h("input", { type: "password", id: "token", name: "token", autocomplete: "current-password", placeholder: "API token", required: true });
  const form = h("form", { class: "login card", id: "login" },
    h("h1", {}, "dandori"),
    h("p", {}, "Paste the API token (serve's --token-file, or the one `dandori ui` printed). It is kept in this tab only."),
    input, h("button", { type: "submit", class: "primary" }, "Sign in"),
    error ? h("p", { class: "error" }, error) : null);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    token.set(input.value.trim());
    try {
      await api("/v1/jobs?pageSize=1");
      route();
    } catch (e) {
      login(e.status === 401 ? "That token was refused." : e.message);
    }
  });
  clear(root).append(form);
  input.focus();
}

function route() {
  if (!token.get()) return login();
  if (stop) stop();
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  params.onAuth = () => login("The token was refused; sign in again.");
  const m = /^\/jobs\/(\d+)$/.exec(path);
  stop = m ? jobPage(root, m[1], params) : jobsPage(root, params);
}

document.getElementById("logout").addEventListener("click", () => login());
window.addEventListener("hashchange", route);
route();
