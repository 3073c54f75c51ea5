import type { SessionResult } from '../model/journal.js';
import { verdictForExitCode, verdictForOutcome } from '../model/outcomes.js';
import { formatDuration } from '../util/duration.js';
import { VERSION } from '../version.js';
import { html, Markup } from './html/markup.js';
import { clock, renderRun } from './html/run-section.js';
import { STYLES } from './html/styles.js';
import type { RunWithLoad } from './html/timeline-data.js';

/**
 * Nothing on the page may load anything: no script, font, image, frame or connection. Only the inline
 * style sheet (and inline style attributes) apply.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/**
 * The session as one self-contained HTML page: the verdict on top, then per run its facts, a timeline
 * chart of faults, probe samples and load, and the probe and fault tables. The page loads nothing from
 * anywhere and reads without JavaScript.
 */
export function renderHtml(session: SessionResult): string {
  const verdict = verdictForExitCode(session.exitCode);
  const runs = session.runs as RunWithLoad[];
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faultline ${VERSION}">
<title>faultline: ${verdict.label}, exit code ${session.exitCode}${runs.length === 1 && runs[0] ? ` (${runs[0].title})` : ''}</title>
<style>${styleSheet(STYLES)}</style>
</head>
<body>
<main>
<h1>faultline chaos experiment report</h1>
<header class="verdict tone-${verdict.tone}" id="verdict" data-exit-code="${session.exitCode}">
<p class="verdict-label">${verdict.label}</p>
<p class="verdict-headline">${verdict.headline}</p>
<p class="verdict-exit">exit code ${session.exitCode}</p>
<p class="verdict-meaning">${verdict.meaning}</p>
</header>
<section class="card intro" aria-labelledby="intro-title">
<h2 id="intro-title">What was tested</h2>
<p>${introduction(session)}</p>
${runs.length > 0 && testedTable(session)}
</section>
${(runs.length > 1 || (session.invalid.length > 0 && runs.length > 0)) && contents(session)}
${session.invalid.length > 0 && invalidSection(session.invalid)}
${runs.map((run, i) => renderRun(run, i))}
<footer>faultline ${VERSION}. Session started ${clock(session.startedAt)}, took ${formatDuration(session.durationMs)}. This page is self-contained: it loads nothing from the network.</footer>
</main>
</body>
</html>
`;
  return page.value;
}

/** The style sheet is ours, not the run's: it goes in as it is, but can never close its element. */
function styleSheet(css: string): Markup {
  return new Markup(css.replace(/<\/style/gi, '<\\/style'));
}

/** One paragraph for a reader who never used faultline: what an experiment is and what this one did. */
function introduction(session: SessionResult): string {
  const general =
    'faultline runs chaos experiments against Docker containers. An experiment first checks that the ' +
    'system works (the baseline: probes such as an HTTP request with an expected status), then injects ' +
    'faults (pausing, killing or slowing containers, cutting their network) while it keeps checking, ' +
    'reverts every fault, and checks once more that the system recovered.';
  const count = session.runs.length === 1 ? '1 experiment' : `${session.runs.length} experiments`;
  const ran =
    session.runs.length === 0
      ? 'This session ran no experiment.'
      : `This session ran ${count} in ${formatDuration(session.durationMs)}, listed below.`;
  const invalid =
    session.invalid.length === 0
      ? ''
      : ` ${session.invalid.length === 1 ? '1 file was' : `${session.invalid.length} files were`} not run because ${session.invalid.length === 1 ? 'it is' : 'they are'} invalid.`;
  return `${general} ${ran}${invalid}`;
}

/** What each experiment did and how it ended, one row each. */
function testedTable(session: SessionResult): Markup {
  return html`<table class="tested">
<thead><tr><th scope="col">Experiment</th><th scope="col">Faults injected</th><th scope="col">Probes checked</th><th scope="col">Verdict</th></tr></thead>
<tbody>
${session.runs.map((run, i) => {
  const faults = [...new Set(run.faults.map((fault) => `${fault.fault} on ${fault.target.name}`))];
  const probes = [...new Set(run.probes.map((probe) => probe.probe))];
  const verdict = verdictForOutcome(run.outcome);
  return html`<tr><td><a href="#run-${i + 1}">${run.title}</a></td><td>${faults.length > 0 ? faults.join(', ') : 'none'}</td><td>${probes.length > 0 ? probes.map((probe) => `“${probe}”`).join(', ') : 'none'}</td><td><span class="badge tone-${verdict.tone}">${verdict.label}</span></td></tr>`;
})}
</tbody>
</table>`;
}

function contents(session: SessionResult): Markup {
  return html`<nav class="card contents" aria-labelledby="contents-title">
<h2 id="contents-title">Experiments</h2>
<ol>
${session.runs.map((run, i) => {
  const verdict = verdictForOutcome(run.outcome);
  return html`<li><a href="#run-${i + 1}">${run.title}</a>: <span class="badge tone-${verdict.tone}">${verdict.label}</span> ${verdict.headline}</li>`;
})}
${session.invalid.length > 0 && html`<li><a href="#invalid">Invalid files</a>: ${session.invalid.length} not run</li>`}
</ol>
</nav>`;
}

function invalidSection(invalid: SessionResult['invalid']): Markup {
  return html`<section class="card invalid" id="invalid" aria-labelledby="invalid-title">
<h2 id="invalid-title">Invalid files</h2>
<p>${invalid.length === 1 ? 'This file was' : 'These files were'} not run: faultline could not read ${invalid.length === 1 ? 'it' : 'them'} as an experiment. Fix the place the message points at and run again.</p>
${invalid.map((item) => html`<h3><code>${item.file}</code></h3><pre>${item.message}</pre>`)}
</section>`;
}
