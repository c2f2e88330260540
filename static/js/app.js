// ossdesk's own script: small behaviours that the CSP forbids inline.
document.addEventListener("click", (event) => {
  const el = event.target.closest("[data-action='print']");
  if (el) {
    event.preventDefault();
    window.print();
  }
});

// A 401/403/5xx answer to an htmx request still shows its message.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400 && event.detail.xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// 変更等申込: show only the fields of the chosen kind of change.
function showChangeFields(select) {
  document.querySelectorAll("fieldset[data-change-kind]").forEach((fs) => {
    fs.hidden = fs.dataset.changeKind !== select.value;
  });
}
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select#kind");
  if (select && document.querySelector("fieldset[data-change-kind]")) {
    showChangeFields(select);
    select.addEventListener("change", () => showChangeFields(select));
  }
});

// Parts of a page that follow an event another part announces (HX-Trigger), without polling:
// each element with data-refresh-on="<event>" is reloaded from its data-refresh-url. Each
// request is its element's own (source): htmx queues requests per source element, and
// without one they all shared the body, so only the first part was reloaded.
document.addEventListener("application-status-changed", (event) => {
  document.querySelectorAll(`[data-refresh-on="${event.type}"]`).forEach((el) => {
    htmx.ajax("GET", el.dataset.refreshUrl, { source: el, target: el, swap: "outerHTML" });
  });
});

// When the login has expired (30 minutes idle) nothing typed on an open page is lost: a partial
// that finds the login gone swaps nothing and announces it (portal/htmx.session_expired); a
// form checks the login before it posts. The page then says so, the user logs in again in
// another tab, and back on this page takes a fresh CSRF token for its forms and partials —
// only if it is the same user's login: a page opened by one user never posts as another.
const tokenUrl = () => document.body.dataset.sessionTokenUrl;

async function currentLogin() {
  let resp;
  try {
    resp = await fetch(tokenUrl(), { redirect: "manual", credentials: "same-origin",
                                     headers: { Accept: "application/json" } });
  } catch {
    return {};  // no answer (offline): the post goes as it would have without this check
  }
  if (resp.type === "opaqueredirect" || resp.status === 401) return { expired: true };
  if (resp.status !== 200) return {};  // busy or failing: the post goes; the server answers
  const body = await resp.json();
  if (String(body.user_id) !== document.body.dataset.userId) return { otherUser: true };
  return { token: body.csrf_token };
}

function useToken(token) {
  document.querySelectorAll('input[name="csrf_token"]').forEach((input) => {
    input.value = token;
  });
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  headers["X-CSRFToken"] = token;
  document.body.setAttribute("hx-headers", JSON.stringify(headers));
}

function showNote(id) {
  const note = document.getElementById(id);
  if (!note || !note.hidden) return;  // shown once, not scrolled to again by every poll
  note.hidden = false;
  note.scrollIntoView({ block: "nearest" });
}

document.addEventListener("ossdesk-session-expired", () => showNote("session-expired"));

window.addEventListener("focus", async () => {
  const note = document.getElementById("session-expired");
  if (!note || note.hidden) return;
  const login = await currentLogin();
  if (login.token) {
    useToken(login.token);
    note.hidden = true;
  } else if (login.otherUser) {
    note.hidden = true;
    showNote("session-other-user");
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!tokenUrl() || form.method.toLowerCase() !== "post" || form.hasAttribute("hx-post")
      || form.hasAttribute("data-no-login-check")
      || !form.querySelector('input[name="csrf_token"]') || form.dataset.loginChecked) return;
  event.preventDefault();
  if (form.dataset.loginChecking) return;  // a second click while the first is checked
  form.dataset.loginChecking = "1";
  const login = await currentLogin();
  delete form.dataset.loginChecking;
  if (login.expired) {
    showNote("session-expired");
    return;
  }
  if (login.otherUser) {
    showNote("session-other-user");
    return;
  }
  if (!form.isConnected) return;  // replaced by a refresh meanwhile: the user clicks again
  if (login.token) useToken(login.token);
  form.dataset.loginChecked = "1";
  form.requestSubmit(event.submitter);
  delete form.dataset.loginChecked;
});
