// xltool serve: a finished run — tiles, departments with their projects, file problems, the findings table.
"use strict";

function fileUrl(runId, relative) {
  return `/api/runs/${runId}/files/${relative.split("/").map(encodeURIComponent).join("/")}`;
}

function baseName(path) {
  return String(path || "").split("/").pop();
}

function renderResult(run) {
  const report = run.report || { departments: [], findings: [], inputs: [] };
  const counts = run.counts || {};
  showView("done", `已完成：${run.label}`);
  $("result-title").textContent = run.label;
  const took = run.finished ? `，用时 ${Math.max(0.1, run.finished - run.created).toFixed(1)} 秒` : "";
  $("result-meta").textContent = `${timeText(run.created)} 审核${took} · 评分规则 ${run.profile} · 上传 ${run.files} 个文件`;

  const downloads = [el("a", { class: "button main", href: `/api/runs/${run.id}/download`, download: "" }, "下载全部结果（zip）")];
  if (run.summary_file) downloads.push(el("a", { class: "button", href: fileUrl(run.id, run.summary_file), download: "" }, run.summary_file));
  downloads.push(el("a", { class: "button", href: fileUrl(run.id, "report.json"), download: "" }, "report.json"));
  $("downloads").replaceChildren(...downloads);

  const inputs = report.inputs || [];
  const unreadable = inputs.filter((i) => i.status !== "ok").length;
  const tiles = [
    ["", counts.departments || 0, "部门"],
    ["", counts.projects || 0, "项目"],
    ["error", counts.error || 0, "错误"],
    ["warning", counts.warning || 0, "警告"],
    ["info", counts.info || 0, "提示"],
    [unreadable ? "error" : "", `${inputs.length - unreadable} / ${inputs.length}`, "文件已读取"],
  ];
  $("tiles").replaceChildren(...tiles.map(([kind, value, label]) => el("div", { class: `tile ${kind}` }, el("b", { text: value }), el("span", { text: label }))));

  renderNotes(run, inputs);
  renderDepartments(run, report.departments || []);
  fillFilters(report);
  state.shown = PAGE_ROWS;
  renderFindings();
}

function renderNotes(run, inputs) {
  const problems = inputs.filter((i) => i.status !== "ok").map((i) => [i.file, i.message]);
  for (const input of inputs) {  // read and checked, but its scored copy could not be written
    const copy = input.scored || input.annotated;  // a written report's copy is its annotated .docx
    if (copy && copy.status !== "ok") problems.push([input.file, copy.message]);
  }
  const uploads = (run.notes || []).map((n) => [n.name, n.message]);
  const skipped = [];
  for (const input of inputs) {
    for (const sheet of input.sheets || []) {
      if (sheet.status === "skipped") skipped.push([`${input.file} › ${sheet.sheet}`, sheet.message]);
    }
  }
  const box = $("notes");
  box.hidden = !problems.length && !uploads.length && !skipped.length;
  const item = ([name, message]) => el("li", {}, name ? el("strong", { text: `${name}：` }) : null, message || "");
  const parts = [];
  if (problems.length || uploads.length) {
    parts.push(el("h3", { text: `未能审核或未能写出的文件（${problems.length + uploads.length}）` }), el("ul", {}, [...problems, ...uploads].map(item)));
  }
  if (skipped.length) {
    parts.push(el("details", {}, el("summary", { class: "muted", text: `已跳过的工作表（${skipped.length}）：说明页、封面等不是附件1/2/3的工作表` }), el("ul", {}, skipped.map(item))));
  }
  box.replaceChildren(...parts);
}

function gradeCell(grade) {
  return el("td", { class: `grade g-${grade || ""}`, text: grade || "—" });
}

function countCells(found) {
  const f = found || {};
  return ["error", "warning", "info"].map((s) => el("td", { class: "num", text: f[s] || 0 }));
}

function renderDepartments(run, departments) {
  const head = el("thead", {}, el("tr", {},
    ["部门", "年度", "自评总分", "规则总分", "等级", "项目", "错误", "警告", "提示", "下载"].map((h, i) =>
      el("th", { scope: "col", class: i >= 1 && i <= 3 || i >= 5 && i <= 8 ? "num" : "" , text: h }))));
  const body = el("tbody");
  if (!departments.length) {
    body.append(el("tr", {}, el("td", { colspan: "10", class: "muted", text: "没有识别出部门：上传的文件中没有可读取的附件1/2/3表格（原因见上方）。" })));
  }
  departments.forEach((d, index) => {
    const table = d.department_table || {};
    const projects = d.projects || [];
    const rowId = `projects-${index}`;
    const toggle = el("button", { type: "button", class: "toggle", "aria-expanded": "false", "aria-controls": rowId, text: `${projects.length} ▸` });
    const sub = el("tr", { class: "projects", id: rowId, hidden: true }, el("td", { colspan: "10" }, projectTable(projects)));
    toggle.addEventListener("click", () => {
      const open = sub.hidden;
      sub.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = `${projects.length} ${open ? "▾" : "▸"}`;
    });
    const href = `/api/runs/${run.id}/download?department=${encodeURIComponent(d.name)}`;
    body.append(el("tr", {},
      el("td", { text: d.name }),
      el("td", { class: "num", text: d.year || "—" }),
      el("td", { class: "num", text: score(table.self_score) }),
      el("td", { class: "num", text: score(table.score) }),
      gradeCell(table.grade),
      el("td", { class: "num" }, projects.length ? toggle : "0"),
      ...countCells(d.findings),
      el("td", { class: "nowrap" }, el("a", { class: "link", href, download: "", title: `下载 ${d.name} 的评分工作簿（zip）` }, "评分工作簿"))), sub);
  });
  $("departments").replaceChildren(head, body);
}

function projectTable(projects) {
  const head = el("tr", {}, ["项目", "执行率", "自评总分", "规则总分", "等级", "错误", "警告", "提示"].map((h, i) => el("th", { scope: "col", class: i ? "num" : "", text: h })));
  const rows = projects.map((p) => el("tr", {},
    el("td", { text: p.name || p.sheet || "" }),
    el("td", { class: "num", text: percent((p.budget || {}).execution_rate) }),
    el("td", { class: "num", text: score(p.self_score) }),
    el("td", { class: "num", text: score(p.score) }),
    gradeCell(p.grade),
    ...countCells(p.findings)));
  return el("table", { class: "inner" }, el("thead", {}, head), el("tbody", {}, rows));
}

// ---------------------------------------------------------------------------------------------
// Findings: filters and the table

function setupFilters() {
  for (const id of ["f-dept", "f-sev", "f-rule"]) $(id).addEventListener("change", () => { state.shown = PAGE_ROWS; renderFindings(); });
  $("f-text").addEventListener("input", () => { state.shown = PAGE_ROWS; renderFindings(); });
  $("more").addEventListener("click", () => { state.shown += PAGE_ROWS; renderFindings(); });
}

function fillFilters(report) {
  const findings = report.findings || [];
  const departments = [...new Set([...(report.departments || []).map((d) => d.name), ...findings.map((f) => f.department).filter(Boolean)])];
  const byRule = new Map();
  for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) || 0) + 1);
  const bySeverity = { error: 0, warning: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] || 0) + 1;
  $("f-dept").replaceChildren(el("option", { value: "", text: "全部部门" }), ...departments.map((d) => el("option", { value: d, text: d })));
  $("f-sev").replaceChildren(el("option", { value: "", text: "全部级别" }),
    ...Object.entries(SEVERITY).map(([key, name]) => el("option", { value: key, text: `${name}（${bySeverity[key] || 0}）` })));
  $("f-rule").replaceChildren(el("option", { value: "", text: "全部规则" }),
    ...[...byRule.keys()].sort().map((id) => {
      const name = state.rules[id] ? state.rules[id].name : id;
      const label = `${name}（${byRule.get(id)}） ${id}`;
      return el("option", { value: id, title: label, text: label.length > 48 ? `${label.slice(0, 47)}…` : label });
    }));
  $("f-text").value = "";
}

function filtered() {
  const findings = (state.report && state.report.findings) || [];
  const dept = $("f-dept").value;
  const sev = $("f-sev").value;
  const rule = $("f-rule").value;
  const text = $("f-text").value.trim().toLowerCase();
  return findings.filter((f) =>
    (!dept || f.department === dept) && (!sev || f.severity === sev) && (!rule || f.rule === rule) &&
    (!text || `${f.message} ${f.file} ${f.sheet} ${f.cell}`.toLowerCase().includes(text)));
}

function renderFindings() {
  const all = (state.report && state.report.findings) || [];
  const rows = filtered();
  const several = ((state.report && state.report.departments) || []).length > 1;
  $("findings-count").textContent = `显示 ${Math.min(rows.length, state.shown)} / ${rows.length} 条（共 ${all.length} 条）`;
  const columns = [["sev", "级别"], ["rule", "规则"], several ? ["dept", "部门"] : null, ["file", "文件"], ["sheet", "工作表"], ["cell", "单元格"], ["msg", "说明"]].filter(Boolean);
  const head = el("thead", {}, el("tr", {}, columns.map(([key, h]) => el("th", { scope: "col", class: `c-${key}`, text: h }))));
  const body = el("tbody");
  if (!rows.length) {
    const text = all.length ? "没有符合筛选条件的问题。" : "没有发现问题。";
    body.append(el("tr", {}, el("td", { colspan: String(columns.length), class: "muted", text })));
  }
  for (const f of rows.slice(0, state.shown)) {
    const rule = state.rules[f.rule];
    const file = f.scored && state.run
      ? el("a", { class: "link", href: fileUrl(state.run.id, f.scored.file), download: "", title: f.scored.paragraph ? `${f.file}\n下载批注版报告（批注在第${f.scored.paragraph}段）` : `${f.file}\n下载评分工作簿（问题标注在 ${f.scored.sheet}!${f.scored.cell}）` }, baseName(f.file))
      : el("span", { title: f.file, text: baseName(f.file) });
    body.append(el("tr", { "data-rule": f.rule, "data-severity": f.severity },
      el("td", {}, el("span", { class: `chip ${f.severity}`, text: SEVERITY[f.severity] || f.severity })),
      el("td", { class: "c-rule", title: [rule ? rule.title : "", f.basis ? `依据：${f.basis}` : ""].filter(Boolean).join("\n") },
        el("span", { class: "rule-name", text: f.rule_name || (rule ? rule.name : f.rule) }), el("span", { class: "rule-id", text: f.rule })),
      several ? el("td", { text: f.department || "—" }) : null,
      el("td", { class: "c-file" }, file),
      el("td", { class: "c-sheet", text: f.paragraph ? `第${f.paragraph}段` : f.sheet || "" }),
      el("td", { class: "c-cell", text: f.cell || "" }),
      el("td", { class: "c-msg", text: f.message })));
  }
  $("findings").replaceChildren(head, body);
  $("more").hidden = rows.length <= state.shown;
}
