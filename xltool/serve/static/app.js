// xltool serve: the page. Everything it shows comes from the JSON API (/api/...); no libraries, no CDN.
"use strict";

const SEVERITY = { error: "错误", warning: "警告", info: "提示" };
const STATUS = { queued: "排队中", running: "审核中", done: "已完成", failed: "未完成" };
const PAGE_ROWS = 300;

const state = {
  config: null, rules: {}, chosen: [], ignored: 0, current: null, timer: null,
  report: null, shown: PAGE_ROWS, run: null, busy: false,
};

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function sizeText(bytes) {
  if (bytes >= 10 * 1048576) return `${(bytes / 1048576).toFixed(0)} MB`;
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function timeText(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const score = (value) => (value === null || value === undefined ? "—" : Number(value).toFixed(2));
const percent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(2)}%`);

// ---------------------------------------------------------------------------------------------
// The API

class NeedToken extends Error {}
class Offline extends Error {}
const OFFLINE = "无法连接到审核服务：请确认启动它的窗口没有关闭，然后刷新本页。";

async function api(path, options) {
  let response;
  try {
    response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  } catch (error) {
    throw new Offline(OFFLINE);
  }
  if (response.status === 401) {
    askToken();
    throw new NeedToken();
  }
  return response;
}

async function apiJson(path, options) {
  const response = await api(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `服务器返回错误（${response.status}），请稍后重试`);
  return body;
}

function askToken() {
  const dialog = $("token-dialog");
  if (!dialog.open) dialog.showModal();
}

async function sendToken(event) {
  event.preventDefault();
  const response = await fetch("/api/session", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: $("token-input").value }),
  });
  if (response.ok) {
    $("token-dialog").close();
    $("token-error").hidden = true;
    load().catch((error) => showFailed(`页面无法加载：${error.message}`));
  } else {
    const body = await response.json().catch(() => ({}));
    $("token-error").textContent = body.error || "访问口令不正确";
    $("token-error").hidden = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing files

function addFiles(items) {
  for (const { file, path } of items) {
    const suffix = file.name.includes(".") ? `.${file.name.split(".").pop().toLowerCase()}` : "";
    if (!state.config.suffixes.includes(suffix) || file.name.startsWith("~$")) {
      state.ignored += 1;
      continue;
    }
    if (!state.chosen.some((c) => c.path === path)) state.chosen.push({ file, path });
  }
  showChosen();
}

function showChosen() {
  const { chosen, config } = state;
  const total = chosen.reduce((sum, c) => sum + c.file.size, 0);
  $("chosen").hidden = chosen.length === 0 && state.ignored === 0;
  $("chosen-summary").textContent = `已选择 ${chosen.length} 个文件，共 ${sizeText(total)}`;
  const list = $("chosen-list");
  list.replaceChildren(...chosen.slice(0, 50).map((c) => el("li", { title: c.path, text: c.path })));
  if (chosen.length > 50) list.append(el("li", { text: `……另有 ${chosen.length - 50} 个文件` }));
  $("chosen-note").hidden = state.ignored === 0;
  $("chosen-note").textContent = `已忽略 ${state.ignored} 个不是工作簿或 zip 压缩包的文件。`;
  let problem = "";
  if (config && total > config.limits.max_bytes) {
    problem = `所选文件合计 ${sizeText(total)}，超过单次上传上限 ${sizeText(config.limits.max_bytes)}。请分批审核，例如每次几个部门。`;
  } else if (config && chosen.length > config.limits.max_files) {
    problem = `所选文件有 ${chosen.length} 个，超过单次上传上限 ${config.limits.max_files} 个。请分批审核。`;
  }
  showUploadError(problem);
  $("start").disabled = chosen.length === 0 || Boolean(problem) || state.busy;
}

function showUploadError(message, notes) {
  const box = $("upload-error");
  box.hidden = !message;
  box.replaceChildren(message || "");
  if (notes && notes.length) {
    box.append(el("ul", {}, notes.map((n) => el("li", { text: n.name ? `${n.name}：${n.message}` : n.message }))));
  }
}

function clearChosen() {
  state.chosen = [];
  state.ignored = 0;
  $("files-input").value = "";
  $("folder-input").value = "";
  showChosen();
}

function fromInput(input) {
  addFiles(Array.from(input.files, (file) => ({ file, path: file.webkitRelativePath || file.name })));
  input.value = "";
}

async function fromDrop(dataTransfer) {
  const entries = Array.from(dataTransfer.items || [])
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null))
    .filter(Boolean);
  if (!entries.length) {
    addFiles(Array.from(dataTransfer.files, (file) => ({ file, path: file.name })));
    return;
  }
  const found = [];
  await Promise.all(entries.map((entry) => walk(entry, found)));
  addFiles(found);
}

async function walk(entry, found) {
  const path = entry.fullPath.replace(/^\/+/, "");
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    found.push({ file, path });
    return;
  }
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    await Promise.all(batch.map((child) => walk(child, found)));
  }
}

// ---------------------------------------------------------------------------------------------
// Starting a run: the upload (XMLHttpRequest, for its upload progress), then polling

function start() {
  if (!state.chosen.length || state.busy) return;
  const form = new FormData();
  for (const { file, path } of state.chosen) form.append("files", file, path);
  form.append("profile", $("profile").value);
  state.busy = true;
  $("start").disabled = true;
  performance.clearMarks();
  performance.mark("xltool:start");
  showUploadError("");
  showWorking("正在上传", 0, "正在上传文件……");
  const request = new XMLHttpRequest();
  request.open("POST", "/api/runs");
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) {
      const part = event.loaded / event.total;
      showWorking("正在上传", part * 0.3, `正在上传文件 ${Math.round(part * 100)}%（${sizeText(event.loaded)} / ${sizeText(event.total)}）`);
    }
  };
  request.onload = () => {
    state.busy = false;
    let body = {};
    try { body = JSON.parse(request.responseText); } catch (e) { body = {}; }
    if (request.status === 201) {
      performance.mark("xltool:uploaded");
      state.polled = Date.now();
      clearChosen();
      location.hash = `#/runs/${body.id}`;
      refreshRuns();
      return;
    }
    if (request.status === 401) askToken();
    showView("empty");
    showUploadError(body.error || `上传失败（服务器返回 ${request.status}），请重试`, body.notes);
    showChosen();
  };
  request.onerror = () => {
    state.busy = false;
    showView("empty");
    showUploadError("上传中断：无法连接到审核服务。请确认服务仍在运行（启动它的窗口没有关闭）后重试。");
    showChosen();
  };
  request.send(form);
}

function openFromHash() {
  const match = /^#\/runs\/([0-9a-f]{16})$/.exec(location.hash);
  clearTimeout(state.timer);
  state.current = match ? match[1] : null;
  state.report = null;
  markCurrent();
  state.polled = Date.now();
  if (state.current) poll(state.current);
  else showView("empty");
}

async function poll(id) {
  if (id !== state.current) return;
  let run;
  try {
    run = await apiJson(`/api/runs/${id}`);
  } catch (error) {
    if (error instanceof NeedToken) return;
    if (error instanceof Offline) {  // the server restarting: try again, it picks unfinished runs up
      showWorking("正在审核", 0, "暂时无法连接到审核服务，正在重试……");
      state.timer = setTimeout(() => poll(id), 2000);
      return;
    }
    showFailed(error.message);
    return;
  }
  if (id !== state.current) return;
  if (run.status === "queued" || run.status === "running") {
    showWorking("正在审核", run.progress, phaseText(run));
    // Often at first (a department's forms take about a second), then less often.
    const waited = Date.now() - (state.polled || 0);
    state.timer = setTimeout(() => poll(id), waited < 5000 ? 100 : 500);
  } else if (run.status === "failed") {
    showFailed(run.message || "审核未能完成，请重新上传。");
    refreshRuns();
  } else {
    performance.mark("xltool:done");
    state.run = run;
    state.report = run.report;
    renderResult(run);
    performance.mark("xltool:shown");
    refreshRuns();
  }
}

function phaseText(run) {
  const phase = run.phase || {};
  if (run.status === "queued" || phase.phase === "queued") {
    return phase.ahead ? `排队等待中：前面还有 ${phase.ahead} 个审核` : "排队等待中，马上开始……";
  }
  if (phase.phase === "read") return `正在读取工作簿 ${phase.done} / ${phase.total}`;
  if (phase.phase === "check" && phase.done >= phase.total) return "正在写出审核汇总……";
  if (phase.phase === "check") return `正在核对、评分并写出评分工作簿 ${phase.done} / ${phase.total}`;
  return `准备审核 ${run.files} 个文件……`;
}

// ---------------------------------------------------------------------------------------------
// The four states of the right-hand side

const TITLE = document.title;

function showView(name, title) {
  for (const view of ["empty", "working", "failed", "done"]) $(`state-${view}`).hidden = view !== name;
  document.title = title ? `${title} · ${TITLE}` : TITLE;  // seen in the tab while the user is elsewhere
}

function showWorking(title, fraction, text) {
  const value = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  showView("working", `${title} ${value}%`);
  $("working-title").textContent = title;
  $("bar-fill").style.width = `${value}%`;
  $("bar").setAttribute("aria-valuenow", String(value));
  $("working-text").textContent = text;
}

function showFailed(message) {
  showView("failed", "未完成");
  $("failed-text").textContent = message;
}

// ---------------------------------------------------------------------------------------------
// History

async function refreshRuns() {
  let body;
  try {
    body = await apiJson("/api/runs");
  } catch (error) {
    return;
  }
  const list = $("runs");
  list.replaceChildren(...body.runs.map(runItem));
  $("runs-empty").hidden = body.runs.length > 0;
  markCurrent();
  if (body.runs.some((r) => r.status === "queued" || r.status === "running")) {
    clearTimeout(state.runsTimer);
    state.runsTimer = setTimeout(refreshRuns, 2000);
  }
}

function runItem(run) {
  const c = run.counts || {};
  const meta = run.status === "done"
    ? `${timeText(run.created)} · 错误 ${c.error || 0} · 警告 ${c.warning || 0}`
    : `${timeText(run.created)} · ${run.files} 个文件`;
  return el("li", { "data-id": run.id },
    el("button", { type: "button", class: "open", title: `打开：${run.label}`, onclick: () => { location.hash = `#/runs/${run.id}`; } },
      el("span", { class: "name" }, run.label, " ", el("span", { class: `chip ${run.status}`, text: STATUS[run.status] || run.status })),
      el("span", { class: "meta", text: meta })),
    el("button", { type: "button", class: "remove", title: `删除：${run.label}`, "aria-label": `删除 ${run.label}`, onclick: () => removeRun(run) }, "删除"));
}

function markCurrent() {
  for (const item of $("runs").children) item.classList.toggle("current", item.dataset.id === state.current);
}

async function removeRun(run) {
  if (!confirm(`删除“${run.label}”的审核记录和结果文件？删除后无法恢复。`)) return;
  try {
    await api(`/api/runs/${run.id}`, { method: "DELETE" });
  } catch (error) {
    if (!(error instanceof NeedToken)) alert(error.message);
    return;
  }
  if (state.current === run.id) location.hash = "";
  refreshRuns();
}

// ---------------------------------------------------------------------------------------------
// Start-up

async function init() {
  $("drop").addEventListener("click", () => $("files-input").click());
  $("drop").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      $("files-input").click();
    }
  });
  for (const name of ["dragenter", "dragover"]) {
    $("drop").addEventListener(name, (event) => { event.preventDefault(); $("drop").classList.add("over"); });
  }
  $("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
  $("drop").addEventListener("drop", (event) => {
    event.preventDefault();
    $("drop").classList.remove("over");
    fromDrop(event.dataTransfer);
  });
  // A file dropped beside the box must not make the browser leave the page to show it.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
  $("pick-files").addEventListener("click", () => $("files-input").click());
  $("pick-folder").addEventListener("click", () => $("folder-input").click());
  $("files-input").addEventListener("change", (event) => fromInput(event.target));
  $("folder-input").addEventListener("change", (event) => fromInput(event.target));
  $("clear").addEventListener("click", clearChosen);
  $("start").addEventListener("click", start);
  $("token-form").addEventListener("submit", sendToken);
  $("profile").addEventListener("change", () => {
    const chosen = state.config.profiles.find((p) => p.name === $("profile").value);
    $("profile-title").textContent = chosen ? chosen.title : "";
  });
  window.addEventListener("hashchange", openFromHash);
  setupFilters();
  await load();
}

async function load() {
  state.config = await apiJson("/api/config");
  $("version").textContent = `· xltool ${state.config.version}`;
  $("profile").replaceChildren(...state.config.profiles.map((p) => el("option", { value: p.name, text: p.name })));
  $("profile").dispatchEvent(new Event("change"));
  if (state.config.keep_days > 0) $("keep-note").textContent = `保留 ${state.config.keep_days} 天`;
  try {
    const rules = await apiJson("/api/rules");
    for (const rule of rules.rules) state.rules[rule.id] = rule;
  } catch (error) {
    if (!(error instanceof NeedToken)) throw error;
  }
  await refreshRuns();
  openFromHash();
}

document.addEventListener("DOMContentLoaded", () => {
  init().catch((error) => {
    if (!(error instanceof NeedToken)) showFailed(`页面无法加载：${error.message}`);
  });
});
