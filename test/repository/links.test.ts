// The README and docs/ link to one another and into the repository with
// relative links; a file moved or a heading renamed must not leave one
// dangling. Every relative link (and image) in README.md and docs/*.md must
// name a file or folder of this checkout, and a #fragment a heading of the
// page it points to, slugged as GitHub slugs it. Links inside code are not
// links; http(s) and mailto links are not checked (no network in tests).
import test from 'ava'
import * as fs from 'node:fs'
import * as path from 'node:path'

// From dist/test/repository.
const root = path.join(__dirname, '..', '..', '..')

const pages = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)]

/** The text outside fenced blocks and code spans: where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/`+[^`\n]*`+/g, '')
}

/** Inline links and images: [text](target) and ![alt](target), target without its "title". */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(m => m[1]!)
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '')
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = heading!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '')
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    anchors.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return anchors
}

/** What is wrong with `target` as a link from `page` (repository-relative), or null when it resolves. */
function brokenLink(page: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null // http:, https:, mailto:
  const [file = '', fragment] = target.split('#', 2)
  const resolved = file === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURIComponent(file)))
  if (resolved === '..' || resolved.startsWith('../') || path.posix.isAbsolute(resolved)) return `${target}: leaves the repository`
  const onDisk = path.join(root, ...resolved.split('/'))
  if (!fs.existsSync(onDisk)) return `${target}: no ${resolved}`
  if (fragment === undefined || fragment === '') return null
  if (!resolved.endsWith('.md')) return `${target}: a #fragment on ${resolved}, which has no headings`
  return headingAnchors(fs.readFileSync(onDisk, 'utf8')).has(fragment) ? null : `${target}: ${resolved} has no heading #${fragment}`
}

test('the pages checked: README.md and every docs/*.md', t => {
  t.true(pages.length >= 2, pages.join(', '))
  t.true(pages.includes('docs/consumers.md'))
})

for (const page of pages) {
  test(`every relative link in ${page} resolves to a file of the repository, and every #anchor to a heading`, t => {
    const targets = linkTargets(fs.readFileSync(path.join(root, page), 'utf8'))
    t.true(targets.length > 0, `${page} has no links at all: is the pattern still right?`)
    t.deepEqual(targets.map(target => brokenLink(page, target)).filter(broken => broken !== null), [])
  })
}

test('the README links every page of docs/', t => {
  const linked = new Set(linkTargets(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).map(target => target.split('#')[0]))
  t.deepEqual(pages.filter(page => page.startsWith('docs/') && !linked.has(page)), [])
})

test('the link checker itself: it finds links and images, ignores code, and slugs headings as GitHub does', t => {
  const sample = [
    '# `new BufferPool(options?)`', '## io_uring: a READ_FIXED SQE', '## Results', '## Results',
    'See [a](docs/a.md#x), ![b](b.svg "title") and `[c](not-a-link.md)`.',
    '```', '[d](inside-a-fence.md)', '```',
  ].join('\n')
  t.deepEqual(linkTargets(sample), ['docs/a.md#x', 'b.svg'])
  t.deepEqual([...headingAnchors(sample)], ['new-bufferpooloptions', 'io_uring-a-read_fixed-sqe', 'results', 'results-1'])
  t.regex(brokenLink('README.md', 'docs/no-such-page.md') ?? '', /no docs\/no-such-page\.md/)
  t.regex(brokenLink('README.md', '#no-such-heading') ?? '', /has no heading/)
  t.is(brokenLink('docs/consumers.md', '../README.md#api'), null)
  t.regex(brokenLink('docs/consumers.md', '../../outside.md') ?? '', /leaves the repository/)
})
