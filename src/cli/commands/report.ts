import { extname } from 'node:path';
import * as z from 'zod';
import { InvalidInputError } from '../../errors.js';
import { compareReports } from '../../report/compare.js';
import { readReports } from '../../report/read-reports.js';
import { renderComparisonHtml } from '../../reporters/compare/html.js';
import { renderComparisonMarkdown } from '../../reporters/compare/markdown.js';
import { checkReportPath } from '../../reporters/report-path.js';
import { writeFileAtomic } from '../../reporters/write-file.js';
import { visibleLine } from '../../util/control-chars.js';
import type { CommandContext } from '../program.js';

const OPTIONS = z.object({ out: z.string().min(1).optional() });

const RENDERERS = {
  html: renderComparisonHtml,
  markdown: renderComparisonMarkdown,
} as const;

/**
 * `faultline report A.json B.json ... [--out F.html|F.md]`: one page comparing the runs of several
 * JSON reports (or folders of them), Markdown on stdout without --out. Exit 0, or 2 on bad input.
 */
export async function reportCommand(
  inputs: string[],
  options: Record<string, unknown>,
  ctx: CommandContext,
): Promise<number> {
  const { out } = OPTIONS.parse(options);
  const kind = out === undefined ? 'markdown' : kindOf(out);
  if (out !== undefined) await checkReportPath(out);
  const comparison = compareReports(await readReports(inputs));
  const text = RENDERERS[kind](comparison);
  if (out === undefined) {
    ctx.output.stdout.write(text);
    return 0;
  }
  await writeFileAtomic(out, text);
  const worse = comparison.regressions.length;
  ctx.output.stdout.write(
    `compared ${comparison.columns.length} reports: ${worse === 0 ? 'no change' : worse === 1 ? '1 change' : `${worse} changes`} for the worse; wrote ${visibleLine(out)}\n`,
  );
  return 0;
}

function kindOf(out: string): keyof typeof RENDERERS {
  const ext = extname(out).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  throw new InvalidInputError(
    'BAD_OPTION',
    `--out ${visibleLine(out)}: cannot tell the format from "${ext || 'no extension'}"`,
    {
      hint: 'name a .html file for a page, or a .md file for Markdown (leave --out off to print Markdown)',
    },
  );
}
