/** Reading a rendered HTML report as a reader sees it: its elements, its charts, its text. */

/** The opening tags of the given element that carry all the given attribute values, as attribute maps. */
export function tags(
  markup: string,
  name: string,
  where: Record<string, string> = {},
): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const match of markup.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'g'))) {
    const attributes: Record<string, string> = {};
    for (const [, key, value] of (match[1] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[key!] = value!;
    if (Object.entries(where).every(([key, value]) => attributes[key] === value)) found.push(attributes);
  }
  return found;
}

/** The markup of the n-th chart on the page (1-based). */
export function chart(page: string, n = 1): string {
  const svgs = [...page.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((match) => match[0]);
  const svg = svgs[n - 1];
  if (!svg) throw new Error(`the page has ${svgs.length} charts, not ${n}`);
  return svg;
}

/** Text with tags removed and the entities a reader would see decoded. */
export function visibleText(markup: string): string {
  return markup
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<title>[\s\S]*?<\/title>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
