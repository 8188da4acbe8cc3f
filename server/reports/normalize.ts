/**
 * Brings every report, whoever wrote it, into one house style before a reader sees it,
 * because format is a tell: section headers, whitespace, list markers, capitalisation and
 * generation artefacts (special tokens, repeated sentences) would otherwise hint at the source.
 */
const SPECIAL_TOKENS =
  /<\/?s>|<pad>|<unk>|<\|[a-z_]+\|>|\[(?:CLS|SEP|PAD|UNK|MASK|BOS|EOS)\]|<\/?(?:bos|eos)>/gi;

const SECTION_ALIASES: Record<string, "Findings" | "Impression"> = {
  findings: "Findings",
  finding: "Findings",
  impression: "Impression",
  impressions: "Impression",
  conclusion: "Impression",
  conclusions: "Impression",
};

const HEADER = /\b(findings?|impressions?|conclusions?)\s*:/gi;

function splitSentences(text: string): string[] {
  return text
    .replace(/\s*(?:^|\s)(?:\d+[.)]|[-*•])\s+/g, " \n")
    .split(/\n|(?<=[.!?])\s+(?=[A-Za-z])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && /[a-z0-9]/i.test(s));
}

function tidySentence(sentence: string): string {
  let s = sentence
    .replace(/\s+/g, " ")
    .replace(/\s+([.,;:])/g, "$1")
    .trim();
  s = s.charAt(0).toUpperCase() + s.slice(1);
  if (!/[.!?]$/.test(s)) s += ".";
  return s;
}

function normalizeSection(body: string): string[] {
  const seen = new Set<string>();
  const sentences: string[] = [];
  for (const raw of splitSentences(body)) {
    const sentence = tidySentence(raw);
    const key = sentence.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    sentences.push(sentence);
  }
  return sentences;
}

export function normalizeReport(text: string): string {
  const cleaned = text.replace(SPECIAL_TOKENS, " ").replace(/\r\n?/g, "\n");
  const sections: { name: "Findings" | "Impression"; body: string }[] = [];
  const headers = [...cleaned.matchAll(HEADER)];
  if (headers.length === 0) {
    sections.push({ name: "Findings", body: cleaned });
  } else {
    const preamble = cleaned.slice(0, headers[0]!.index).trim();
    headers.forEach((match, i) => {
      const start = match.index + match[0].length;
      const end = i + 1 < headers.length ? headers[i + 1]!.index : cleaned.length;
      const name = SECTION_ALIASES[match[1]!.toLowerCase()] ?? "Findings";
      const body = (i === 0 && preamble ? preamble + " " : "") + cleaned.slice(start, end);
      const existing = sections.find((s) => s.name === name);
      if (existing) existing.body += " " + body;
      else sections.push({ name, body });
    });
  }
  return sections
    .map(({ name, body }) => {
      const sentences = normalizeSection(body);
      if (sentences.length === 0) return null;
      const lines =
        name === "Impression" && sentences.length > 1
          ? sentences.map((s, i) => `${i + 1}. ${s}`)
          : [sentences.join(" ")];
      return `${name}:\n${lines.join("\n")}`;
    })
    .filter((s): s is string => s !== null)
    .join("\n\n");
}
