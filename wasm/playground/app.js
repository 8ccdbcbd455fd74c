// The playground: DDL → schema, question → SQL and its complexity, SQL → the guard's verdict and the advisor's
// report, all with the nl2sql-wasm package in this browser. Only the "server" translation mode makes a request
// (POST /api/nl2sql/translate, same origin).
import init, { advise, assess, guard, registerSchema, skeleton, translate, version } from '../pkg/nl2sql.js';

const $ = (id) => document.getElementById(id);
const state = { schema: null, ddl: null, dialect: null, demo: null };

function showError(error) {
  const box = $('error');
  box.replaceChildren();
  const code = document.createElement('span');
  code.className = 'code';
  code.textContent = error.code ?? 'error';
  box.append(code, `: ${error.message}`);
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
}

/** Runs `action`, showing a failure instead of throwing. */
async function guarded(action) {
  clearError();
  try {
    await action();
  } catch (error) {
    showError(error);
  }
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function table(headers, rows) {
  const t = element('table');
  const head = t.createTHead().insertRow();
  for (const h of headers) head.append(element('th', h));
  const body = t.createTBody();
  for (const cells of rows) {
    const tr = body.insertRow();
    for (const cell of cells) tr.append(cell instanceof Node ? wrap(cell) : element('td', String(cell ?? '')));
  }
  return t;
}

function wrap(node) {
  const td = element('td');
  td.append(node);
  return td;
}

const rows = (n) => (n === undefined || n === null ? '' : Math.round(n).toLocaleString('en-US'));

function severity(n) {
  return element('span', String(n), `sev ${n >= 7 ? 'sev-high' : n >= 4 ? 'sev-mid' : 'sev-low'}`);
}

function statistics() {
  const text = $('stats').value.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw Object.assign(new Error(`the statistics are not JSON: ${e.message}`), { code: 'invalid_statistics' });
  }
}

/** Reads the DDL into a schema when it changed since the last reading. */
function currentSchema() {
  const ddl = $('ddl').value;
  const dialect = $('dialect').value;
  if (!ddl.trim()) return null;
  if (ddl !== state.ddl || dialect !== state.dialect || !state.schema) {
    state.schema = null;
    $('schema-info').replaceChildren();
    $('skeleton').textContent = '';
    state.ddl = ddl;
    state.dialect = dialect;
    // The demo's example values (for literals in questions) belong to the demo's DDL only.
    const samples = state.demo && ddl === state.demo.ddl ? state.demo.samples : undefined;
    const schema = registerSchema(ddl, { dialect, samples });
    state.schema = schema;
    renderSchema(schema);
  }
  return state.schema;
}

function renderSchema(schema) {
  const info = $('schema-info');
  info.replaceChildren();
  const n = schema.catalog.tables.length;
  info.append(element('p', `${n} table${n === 1 ? '' : 's'} (${schema.catalog.tables.map((t) => t.name).join(', ')}); `
    + `${schema.skipped.length} statement${schema.skipped.length === 1 ? '' : 's'} skipped; fingerprint ${schema.fingerprint}`));
  if (schema.skipped.length) {
    info.append(table(['line', 'statement', 'why skipped'], schema.skipped.slice(0, 20).map((s) => [s.line, s.statement, s.reason])));
  }
  $('skeleton').textContent = skeleton(schema).text;
}

function renderTranslation(t, source, complexity) {
  const box = $('translation');
  box.replaceChildren();
  const confidence = t.confidence === undefined ? '' : ` · confidence ${t.confidence}`;
  box.append(element('p', `${source}${confidence}`, 'muted'));
  if (t.explanation) box.append(element('p', t.explanation));
  if (t.linked_tables?.length) box.append(element('p', `Linked tables: ${t.linked_tables.join(', ')}`, 'muted'));
  if (complexity) box.append(renderComplexity(complexity));
}

/** The question's complexity (1-10) with its reasons, and the plan of sub-questions when it would be split. */
function renderComplexity(a) {
  const box = element('div');
  box.id = 'complexity';
  const reasons = a.complexity.reasons.length ? a.complexity.reasons.join(', ') : 'one table, one value';
  box.append(element('p', `Complexity ${a.complexity.score}/10: ${reasons}`));
  if (a.plan) {
    const plan = element('ol');
    for (const task of a.plan.tasks) {
      const after = task.depends_on.length ? ` (after ${task.depends_on.join(', ')})` : '';
      plan.append(element('li', `${task.id}, stage ${task.stage}: ${task.question}${after}`));
    }
    box.append(element('p', `Planned as ${a.plan.tasks.length} tasks in ${a.plan.stages} stages:`, 'muted'), plan);
  }
  return box;
}

/** The guard's verdict on the SQL: the SQL that may run with what changed, or the refusal (not a page error). */
function renderGuard(sql, schema) {
  const box = $('guard');
  box.replaceChildren();
  delete box.dataset.verdict;
  box.append(element('h3', 'Guard'));
  if (!schema) {
    box.append(element('p', 'The guard checks SQL against a schema\'s tables: paste DDL or load the demo.', 'muted'));
    return;
  }
  let verdict;
  try {
    verdict = guard(sql, schema);
  } catch (error) {
    box.dataset.verdict = 'refused';
    const p = element('p');
    p.id = 'guard-verdict';
    p.append(element('span', 'Refused', 'verdict refused'), ' ', element('span', error.code ?? 'error', 'code'),
      `: ${error.message}`);
    box.append(p);
    return;
  }
  box.dataset.verdict = 'allowed';
  const p = element('p');
  p.id = 'guard-verdict';
  p.append(element('span', 'Allowed', 'verdict allowed'), ' — the SQL that may run:');
  const code = element('pre', verdict.sql);
  code.id = 'guard-sql';
  const changes = element('ul');
  changes.id = 'guard-changes';
  for (const c of verdict.changes) {
    const li = element('li');
    li.append(element('code', c.rule), ` ${c.detail}`);
    changes.append(li);
  }
  box.append(p, code, verdict.changes.length ? changes : element('p', 'Unchanged.', 'muted'));
}

function renderReport(report) {
  const box = $('report');
  box.replaceChildren();
  if (report.kind === 'not_a_query') {
    box.append(element('p', report.message));
    return;
  }
  const score = element('p');
  score.append(element('span', `Quality ${report.quality_score}/100`, 'score'),
    ` (minimum ${report.min_quality_score}) · statistics: ${report.statistics}`);
  score.id = 'quality';
  box.append(score);

  const cost = report.cost;
  if (cost) {
    const estimated = element('p', `Estimated rows: reads ${rows(cost.rows_read)}, returns ${rows(cost.rows_returned)} · cost ${cost.total}`);
    estimated.id = 'estimated-rows';
    box.append(estimated,
      table(['table', 'rows', 'rows read', 'rows kept', 'access'],
        cost.tables.map((t) => [t.alias === t.table ? t.table : `${t.table} ${t.alias}`, rows(t.rows), rows(t.rows_read),
          rows(t.rows_returned), t.index ? `${t.access} (${t.index})` : t.access])));
  }

  box.append(element('h3', `Findings (${report.findings.length})`));
  if (report.findings.length) {
    const findings = table(['severity', 'code', 'what', 'where', 'suggestion'],
      report.findings.map((f) => [severity(f.severity), f.code, f.message,
        f.location ? `${f.snippet} (line ${f.location.line}, column ${f.location.column})` : f.snippet, f.suggestion]));
    findings.id = 'findings';
    box.append(findings);
  } else {
    box.append(element('p', 'No findings.', 'muted'));
  }

  box.append(element('h3', `Index suggestions (${report.indexes.length})`));
  const indexes = element('ul');
  indexes.id = 'indexes';
  for (const index of report.indexes) {
    const li = element('li');
    li.append(element('code', index.ddl), ` — ${index.reason}; cost ${index.benefit.cost_before} → ${index.benefit.cost_after}`);
    indexes.append(li);
  }
  box.append(report.indexes.length ? indexes : element('p', 'None.', 'muted'));
}

function analyse() {
  const sql = $('sql').value;
  $('report').replaceChildren();
  $('guard').replaceChildren();
  const schema = currentSchema();
  renderGuard(sql, schema);
  const report = advise(sql, schema, { dialect: schema ? undefined : $('dialect').value, stats: statistics() });
  renderReport(report);
}

async function translateQuestion() {
  const question = $('question').value;
  const schema = currentSchema();
  if ($('mode-server').checked) {
    let response;
    try {
      response = await fetch('/api/nl2sql/translate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question, database: $('database').value }),
      });
    } catch (e) {
      throw Object.assign(new Error(`the server did not answer: ${e.message}`), { code: 'server_unavailable' });
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = body?.error ?? { code: `http_${response.status}`, message: 'the server refused the request (is this page served by nl2sql serve?)' };
      throw Object.assign(new Error(error.message), { code: error.code });
    }
    $('sql').value = body.sql;
    renderTranslation(body, `Translated by the server (${body.provider})`, schema ? assess(question, schema) : null);
  } else {
    if (!schema) throw Object.assign(new Error('paste DDL or load the demo first'), { code: 'missing_schema' });
    const t = translate(question, schema);
    $('sql').value = t.sql;
    renderTranslation(t, 'Translated in this browser (offline translator)', assess(question, schema));
  }
  analyse();
}

async function loadDemo() {
  const [ddl, stats, samples] = await Promise.all(['demo/chinook.sql', 'demo/chinook.stats.json', 'demo/chinook.samples.json']
    .map(async (file) => {
      const response = await fetch(file);
      if (!response.ok) throw Object.assign(new Error(`${file}: HTTP ${response.status}`), { code: 'demo_unavailable' });
      return response.text();
    }));
  $('dialect').value = 'sqlite';
  $('ddl').value = ddl;
  $('stats').value = stats;
  state.demo = { ddl, samples: JSON.parse(samples) };
  state.ddl = null;
  currentSchema();
}

async function main() {
  try {
    await init();
  } catch (e) {
    $('status').textContent = 'The wasm package did not load.';
    showError({ code: 'wasm_unavailable', message: `${e.message} (build it with wasm/build.sh)` });
    return;
  }
  $('status').textContent = `nl2sql-wasm ${version()} ready: everything runs in this browser.`;
  document.body.dataset.ready = 'true';
  $('demo').addEventListener('click', () => guarded(loadDemo));
  $('register').addEventListener('click', () => guarded(async () => {
    state.ddl = null;
    if (!currentSchema()) throw Object.assign(new Error('the DDL is empty'), { code: 'invalid_ddl' });
  }));
  $('translate').addEventListener('click', () => guarded(translateQuestion));
  $('question').addEventListener('keydown', (e) => { if (e.key === 'Enter') guarded(translateQuestion); });
  $('analyse').addEventListener('click', () => guarded(async () => analyse()));
}

main();
