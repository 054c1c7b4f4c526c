// Reads the parts of the project's Markdown documents that tests check:
// tables, headings (as GitHub anchors them) and relative links.

/** The document's lines outside fenced code blocks, where `#` starts a comment, not a heading. */
function proseLines(text: string): string[] {
    let fenced = false;
    return text.split("\n").filter((line) => {
        if (/^\s*```/.test(line)) {
            fenced = !fenced;
            return false;
        }
        return !fenced;
    });
}

/**
 * Where the first table after a heading lies, as line numbers [start, end) of
 * the text; the heading is a whole line (`### Settings`).
 */
export function tableSpan(text: string, heading: string): { start: number; end: number } {
    const lines = text.split("\n");
    const at = lines.indexOf(heading);
    if (at < 0) throw new Error(`no heading ${heading}`);
    const start = lines.findIndex((line, i) => i > at && line.startsWith("|"));
    if (start < 0) throw new Error(`no table after ${heading}`);
    let end = start;
    while (end < lines.length && lines[end].startsWith("|")) end++;
    return { start, end };
}

/** The table's lines, header and separator included, as written. */
export function tableText(text: string, heading: string): string {
    const { start, end } = tableSpan(text, heading);
    return text.split("\n").slice(start, end).join("\n");
}

/** The rows of the first table after a heading, as arrays of cells. */
export function tableAfter(text: string, heading: string): string[][] {
    return tableText(text, heading).split("\n").slice(2)
        .map((row) => row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

/**
 * The anchors GitHub gives the document's headings: the text lower-cased, without
 * punctuation but `-` and `_`, spaces as `-`; a repeated one gets `-1`, `-2`….
 */
export function headingAnchors(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const line of proseLines(text)) {
        const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
        if (heading === undefined) continue;
        const slug = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").toLowerCase()
            .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    return anchors;
}

/** Every link of the document that is not a URL: `path`, `path#anchor` or `#anchor`, as written. */
export function relativeLinks(text: string): string[] {
    const links: string[] = [];
    for (const line of proseLines(text)) {
        // Code spans show text, not links; a link's own text may be one (`[`index.ts`](index.ts)`).
        const prose = line.replace(/`[^`]*`/g, "code");
        for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
            if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
        }
    }
    return links;
}
