import {readSettings} from '../config.js';
import {jsonText} from './json.js';
import {parseImageList, pullImages, refusePullWhenReadOnly, type ImagePullOutcome, type LayerProgress} from '../docker/image-pull.js';
import {BadInput, KasmTuiError} from '../errors.js';
import {Engine} from '../docker/engine.js';
import {pullAuth} from '../flows/context.js';
import {DockerCredentials} from '../registry/credentials.js';
import type {CommandContext} from './context.js';
import {humanSize} from './images.js';
import {table, type Column} from './table.js';

export const pullUsage = 'pull <image>... [--max-pulls N]';

/**
 * `kasm-tui pull <image>…`: pulls as Kasm's agents do, at most N at a time (`--max-pulls`, else the
 * setting, else 2). Progress goes to standard error, a line per layer status change; the summary
 * to standard output. Exit 1 when any pull failed, after all the others have had their go.
 */
export async function pullCommand(context: CommandContext, positionals: string[]): Promise<void> {
	if (positionals.length === 0) {
		throw new BadInput(`name at least one image to pull: usage: kasm-tui ${pullUsage}`);
	}

	const images = parseImageList(positionals);
	refusePullWhenReadOnly(context.readOnly);

	const loaded = await readSettings();
	if (loaded.warning) {
		context.warn(loaded.warning);
	}

	const maxPulls = context.maxPulls ?? loaded.settings.maxPulls;
	const engine = await Engine.open(context.target);
	const credentials = new DockerCredentials();
	context.warn(`pulling ${images.length} image${images.length === 1 ? '' : 's'}, at most ${maxPulls} at a time`);
	const outcomes = await pullImages(engine, images, {
		maxPulls,
		readOnly: context.readOnly,
		authFor: async image => pullAuth({credentials}, image),
		onProgress: layerPrinter(context),
		onOutcome: outcome => context.warn(`${outcome.image}: ${describeOutcome(outcome)}`),
	});

	reportPulls(context, outcomes);
}

/**
 * The pulls' report on standard output: JSON, or a table (after the `first` columns: a fleet's
 * host); then exit 1, naming `where` each pull failed, when any did.
 */
export function reportPulls<Outcome extends ImagePullOutcome>(
	context: Pick<CommandContext, 'json' | 'print'>,
	outcomes: Outcome[],
	{first = [], where = outcome => outcome.image}: {first?: Array<Column<Outcome>>; where?: (outcome: Outcome) => string} = {},
): void {
	if (context.json) {
		context.print(jsonText(outcomes));
	} else {
		context.print(
			table(outcomes, [
				...first,
				{title: 'IMAGE', value: outcome => outcome.image, max: 80},
				{title: 'RESULT', value: outcome => outcome.result.replaceAll('-', ' ')},
				{title: 'DETAIL', value: outcome => (outcome.result === 'failed' ? outcome.error : (outcome.digest ?? '')), max: 600},
			]),
		);
	}

	const failed = outcomes.filter(outcome => outcome.result === 'failed');
	if (failed.length > 0) {
		throw new KasmTuiError(`${failed.length} of ${outcomes.length} pulls failed: ${failed.map(outcome => where(outcome)).join(', ').slice(0, 600)}`);
	}
}

function describeOutcome(outcome: ImagePullOutcome): string {
	switch (outcome.result) {
		case 'failed': {
			return `failed: ${outcome.error}`;
		}

		case 'up-to-date': {
			return 'up to date';
		}

		case 'pulled': {
			return `pulled${outcome.digest ? ` ${outcome.digest}` : ''}`;
		}
	}
}

/** A line when a layer's status changes (`Downloading`, `Pull complete`), not one per chunk of bytes. */
export function layerPrinter(context: Pick<CommandContext, 'warn'>): (progress: LayerProgress) => void {
	const last = new Map<string, string>();
	return progress => {
		const key = `${progress.image}\u0000${progress.id ?? ''}`;
		if (last.get(key) === progress.status) {
			return;
		}

		last.set(key, progress.status);
		const size = progress.status === 'Downloading' && progress.total ? ` ${humanSize(progress.total)}` : '';
		context.warn(`${progress.image}: ${progress.id ? `${progress.id}: ` : ''}${progress.status}${size}`);
	};
}
