export type ConsentBlock = { kind: 'paragraph'; text: string } | { kind: 'list'; items: string[] };

/**
 * Splits the configured notice into paragraphs and bullet lists ("- " or "* " lines) so that it
 * reads like the official form. Plain text only: nothing in the notice is interpreted as markup.
 */
export function consentBlocks(text: string): ConsentBlock[] {
  const blocks: ConsentBlock[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
    paragraph = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const bullet = /^[-*•]\s+(.*)$/.exec(line);
    if (bullet) {
      flush();
      const last = blocks[blocks.length - 1];
      if (last?.kind === 'list') last.items.push(bullet[1]!);
      else blocks.push({ kind: 'list', items: [bullet[1]!] });
    } else if (line === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}
