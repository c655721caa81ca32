/* The one form offline (plain JS, no framework).

   While the connection is down, a save of the form and the photos chosen are kept in the
   browser (IndexedDB) and sent when it returns. Every save carries the form's version; when
   a colleague saved meanwhile the server answers 409 with its form, and the page shows both
   side by side: the inspector keeps theirs (sent again on the new version) or the server's.
   Nothing is overwritten silently. Without JavaScript the form posts as usual. */
"use strict";
(function () {
  const form = document.getElementById("visit-form");
  if (!form || !form.dataset.syncUrl) return;
  const syncUrl = form.dataset.syncUrl;
  const status = document.getElementById("offline-status");
  const csrf = (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const DB = "spotcheck-offline";

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.dataset.kind = kind || "info";
    status.hidden = !text;
  }

  function db() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore("forms", { keyPath: "url" });
        open.result.createObjectStore("photos", { keyPath: "id", autoIncrement: true });
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  function tx(store, mode, fn) {
    return db().then((d) => new Promise((resolve, reject) => {
      const t = d.transaction(store, mode);
      const result = fn(t.objectStore(store));
      t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
      t.onerror = () => reject(t.error);
    }));
  }
  const all = (store) => tx(store, "readonly", (s) => s.getAll());

  function entries() {
    const out = {};
    form.querySelectorAll("[name$='-result_code']").forEach((el) => {
      const id = el.name.split("-")[1];
      const get = (f) => (form.elements[`r-${id}-${f}`] || {}).value || "";
      out[id] = { result_code: get("result_code"), method: get("method"), follow_up: get("follow_up"),
                  note: get("note") };
    });
    return out;
  }
  function snapshot() {
    return { url: syncUrl, version: Number(form.dataset.version), entries: entries(),
             visited_on: (form.elements.visited_on || {}).value || "",
             place: (form.elements.place || {}).value || "", saved_at: new Date().toISOString() };
  }

  function post(body) {
    return fetch(syncUrl, { method: "POST", credentials: "same-origin",
                            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                                       "Accept": "application/json" },
                            body: JSON.stringify(body) });
  }

  function showConflict(mine, server) {
    const box = document.getElementById("offline-conflict");
    if (!box) return;
    const table = box.querySelector("tbody");
    table.textContent = "";
    Object.keys(server.entries).forEach((id) => {
      const a = mine.entries[id] || {}, b = server.entries[id];
      const differs = ["result_code", "method", "follow_up", "note"].some((f) => (a[f] || "") !== (b[f] || ""));
      const tr = document.createElement("tr");
      if (differs) tr.className = "differs";
      [b.item, [a.result_code, a.method, a.note].filter(Boolean).join(" · ") || "—",
       [b.result_code, b.method, b.note].filter(Boolean).join(" · ") || "—"].forEach((text) => {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    box.hidden = false;
    box.querySelector("[data-keep=mine]").onclick = () => {
      mine.version = server.version;
      tx("forms", "readwrite", (s) => s.put(mine)).then(flush);
      box.hidden = true;
    };
    box.querySelector("[data-keep=server]").onclick = () => {
      tx("forms", "readwrite", (s) => s.delete(syncUrl)).then(() => location.reload());
    };
  }

  function flushPhotos() {
    return all("photos").then((photos) => photos.reduce((chain, p) => chain.then(() => {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      data.append("item", p.item);
      data.append("file", p.blob, p.name);
      return fetch(p.uploadUrl, { method: "POST", body: data, credentials: "same-origin",
                                  headers: { "Accept": "application/json" } })
        .then((r) => r.json().then((j) => {
          if (r.ok || r.status === 409 || r.status === 400 || r.status === 413) {
            if (!r.ok) { say(j.detail, "error"); console.warn("evidence refused: " + j.detail); }
            return tx("photos", "readwrite", (s) => s.delete(p.id));
          }
          throw new Error(j.detail);
        }));
    }), Promise.resolve()));
  }

  let flushing = null;  // one flush at a time (the online event and a click may race)
  function flush() {
    if (!navigator.onLine) return Promise.resolve();
    if (flushing) return flushing;
    flushing = doFlush().finally(() => { flushing = null; });
    return flushing;
  }
  function doFlush() {
    return tx("forms", "readonly", (s) => s.get(syncUrl)).then((pending) => {
      if (!pending) return flushPhotos();
      say("正在发送离线时保存的检查表……");
      return post(pending).then((r) => r.json().then((j) => {
        if (r.status === 409) { say(j.detail, "error"); showConflict(pending, j.server); return; }
        if (!r.ok) { say(j.detail, "error"); return; }
        form.dataset.version = String(j.version);
        return tx("forms", "readwrite", (s) => s.delete(syncUrl)).then(flushPhotos).then(() => {
          say("离线时保存的内容已发送。", "ok");
          setTimeout(() => location.reload(), 600);
        });
      }));
    }).catch(() => say("暂时无法连接，内容仍保存在本机，联网后自动发送。", "warn"));
  }

  form.addEventListener("submit", (event) => {
    const action = event.submitter ? event.submitter.value : "save";
    if (navigator.onLine || action !== "save") return;
    event.preventDefault();
    tx("forms", "readwrite", (s) => s.put(snapshot())).then(() => {
      say("当前离线：检查表已保存在本机，联网后自动发送。", "warn");
    });
  });

  document.querySelectorAll("form[data-evidence-form]").forEach((upload) => {
    upload.addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      const input = document.querySelector(`input[type=file][form="${upload.id}"]`);
      const file = input && input.files[0];
      if (!file) return;
      tx("photos", "readwrite", (s) => s.add({ uploadUrl: upload.action, item: upload.elements.namedItem("item").value,
                                                 name: file.name, blob: file }))
        .then(() => { input.value = ""; say(`当前离线：照片“${file.name}”已保存在本机，联网后自动上传。`, "warn"); });
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", () => say("当前离线：保存的内容将暂存在本机。", "warn"));
  if ("serviceWorker" in navigator && form.dataset.swUrl) {
    navigator.serviceWorker.register(form.dataset.swUrl, { scope: form.dataset.swScope }).catch(() => {});
  }
  flush();
})();
