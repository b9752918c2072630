import type {PlanSummary} from '../../flows/describe.js';
import {describeStep} from '../../flows/plan.js';
import type {FlowEvent} from '../../flows/run.js';
import {line, type Line} from './line.js';

/** A plan as a confirmation shows it: what changes, the docker commands, what is granted, who uses it. */
export function planLines(summary: PlanSummary): Line[] {
	const lines: Line[] = [
		line({text: 'from        ', dim: true}, summary.from),
		line({text: 'to          ', dim: true}, summary.to),
	];
	if (summary.grants && summary.privileges.length === 0) {
		lines.push(line({text: 'grants      ', dim: true}, 'no privileges'));
	}

	for (const [index, privilege] of summary.privileges.entries()) {
		lines.push(
			line(
				{text: index === 0 ? 'grants      ' : '            ', dim: true},
				privilege.sensitive ? {text: `! ${privilege.text}`, color: 'yellow', bold: true} : {text: privilege.text},
				privilege.added ? {text: '  (new: this build asks for it, the current one did not)', color: 'red'} : undefined,
			),
		);
	}

	if (summary.grants && summary.privileges.some(privilege => privilege.sensitive)) {
		lines.push(line({text: '            ', dim: true}, {text: '! reaches into the host; each is granted exactly as listed', dim: true}));
	}

	if (summary.usedBy) {
		lines.push(line({text: 'used by     ', dim: true}, {text: summary.usedBy, color: 'magenta'}));
	}

	lines.push(line({text: 'steps', dim: true}));
	for (const [index, step] of summary.steps.entries()) {
		lines.push(line(`  ${index + 1}. ${step.text}`), line({text: `     $ ${step.command}`, dim: true}));
	}

	for (const warning of summary.warnings) {
		lines.push(line({text: `! ${warning}`, color: 'yellow'}));
	}

	return lines;
}

/** What a running flow has done so far, one line per step and per layer status change. */
export function progressLine(event: FlowEvent): Line | undefined {
	switch (event.kind) {
		case 'step': {
			return line({text: `[${event.index + 1}/${event.count}] `, bold: true}, describeStep(event.step));
		}

		case 'progress': {
			const {progress} = event;
			const amount = progress.total ? ` ${Math.round(((progress.current ?? 0) / progress.total) * 100)}%` : '';
			return line({text: `      ${progress.id ? `${progress.id}: ` : ''}${progress.status}${amount}`, dim: true});
		}

		case 'undo': {
			return line({text: `  undo: ${describeStep(event.step)}`, color: 'yellow'});
		}

		case 'warning': {
			return line({text: `  ! ${event.text}`, color: 'yellow'});
		}
	}
}
