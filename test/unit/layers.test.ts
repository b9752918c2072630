import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';

/**
 * The layers of design.md, top to bottom: a file imports its own layer and those below it, never
 * one above. Layers of one rank (app and commands; ledger and registry) do not import each other.
 * The files at the top of source/ (errors, text, secrets, config…) are below every layer.
 */
const ranks: Record<string, number> = {
	cli: 0,
	app: 1,
	commands: 1,
	flows: 2,
	hosts: 3,
	ledger: 4,
	registry: 4,
	machine: 5,
	docker: 6,
};
/** Build tooling and the executable's entry sit beside the program, not in it. */
const outside = new Set(['build', 'executable']);

const source = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'source');

function sourceFiles(folder: string): string[] {
	return fs.readdirSync(folder, {withFileTypes: true}).flatMap(entry => {
		const full = path.join(folder, entry.name);
		return entry.isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(entry.name) ? [full] : [];
	});
}

const layerOf = (file: string) => path.relative(source, file).split(path.sep)[0]!;

function importsOf(file: string): string[] {
	const text = fs.readFileSync(file, 'utf8');
	return [...text.matchAll(/(?:from\s*|import\s*\(?\s*)'([^']+)'/g)].map(match => match[1]!);
}

test('source/ imports point down the layers only: cli → app, commands → flows → hosts → ledger, registry → machine → docker', () => {
	const wrong: string[] = [];
	for (const file of sourceFiles(source)) {
		const from = layerOf(file);
		if (!(from in ranks)) {
			continue;
		}

		for (const specifier of importsOf(file).filter(candidate => candidate.startsWith('.'))) {
			const to = layerOf(path.resolve(path.dirname(file), specifier));
			if (to === from || !(to in ranks || outside.has(to))) {
				continue;
			}

			if (outside.has(to) || ranks[to]! <= ranks[from]!) {
				wrong.push(`${path.relative(source, file)} imports ${specifier} (${from} → ${to})`);
			}
		}
	}

	assert.deepEqual(wrong, []);
});

test('nothing below app/ imports React or Ink: headless commands and flows never load them', () => {
	const wrong = sourceFiles(source)
		.filter(file => layerOf(file) in ranks && !['app', 'cli'].includes(layerOf(file)))
		.flatMap(file => importsOf(file).filter(specifier => /^(react|ink|ink-select-input)(\/|$)/.test(specifier)).map(specifier => `${path.relative(source, file)} imports ${specifier}`));
	assert.deepEqual(wrong, []);
});
