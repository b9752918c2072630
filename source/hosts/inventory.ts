import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {hostNamePattern} from '../config.js';
import {BadInput} from '../errors.js';
import {safeText} from '../text.js';

/**
 * Hosts from a Kasm inventory (kasmtech/ansible's `inventory`): the YAML form,
 * `all.children.<zone>.children.<zone>_<role>.hosts.<name>` with `ansible_host`, `ansible_port`,
 * `ansible_ssh_user` and `ansible_ssh_private_key_file`, and the older INI form with `[web]`,
 * `[db]`, `[agent]`, `[guac]` groups. The install writes passwords and tokens back into the file's
 * `vars`: no value read here is ever put in a message, only names and line numbers.
 */

/** The Kasm roles a group name ends with (`zone1_agent`, or `agent` in the INI form). */
export const kasmRoles = ['db', 'web', 'agent', 'guac', 'proxy'] as const;
export type KasmRole = (typeof kasmRoles)[number];

export interface InventoryHost {
	/** The inventory's name for it (`zone1_agent_1`): the fleet's name for the host. */
	name: string;
	/** Every group it is in, its own and their parents', `all` left out. */
	groups: string[];
	/** From the group names it is in; undefined when none names a Kasm role. */
	role?: KasmRole;
	/** `ansible_host`, else its name. */
	address: string;
	port?: number;
	user?: string;
	/** `ansible_ssh_private_key_file`, `~` expanded, relative paths from the inventory's folder (as Ansible does). */
	keyFile?: string;
}

export interface Inventory {
	file: string;
	hosts: InventoryHost[];
	/** Every group named, `all` left out, in the order met. */
	groups: string[];
}

/** The connection variables read, under Ansible's current and older names; every other variable is left unread. */
const connectionVariables = {
	address: ['ansible_host', 'ansible_ssh_host'],
	port: ['ansible_port', 'ansible_ssh_port'],
	user: ['ansible_user', 'ansible_ssh_user'],
	keyFile: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
} as const;

type ConnectionField = keyof typeof connectionVariables;
type Variables = Partial<Record<ConnectionField, {value: unknown; where: string}>>;

/** A group as both forms describe it: hosts with their own variables, child groups, the group's variables. */
interface GroupTree {
	hosts: Map<string, Variables>;
	children: Set<string>;
	vars: Variables;
}

/** `--inventory FILE`, read and parsed; a file that cannot be read is one line saying why. */
export async function readInventory(file: string): Promise<Inventory> {
	let text: string;
	try {
		text = await fs.promises.readFile(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'it may not be read (permissions)' : code === 'EISDIR' ? 'it is a folder' : `it cannot be read (${code ?? 'error'})`;
		throw new BadInput(`--inventory ${shown(file)}: ${why}; give the inventory file of Kasm's Ansible playbooks`);
	}

	return parseInventory(text, file);
}

/** Reads an inventory file's text; `file` says where it came from (messages, relative key paths). */
export async function parseInventory(text: string, file: string): Promise<Inventory> {
	const groups = looksLikeIni(text) ? parseIni(text, file) : await parseYaml(text, file);
	return flatten(groups, file);
}

/** The INI form starts with a `[group]` header or a bare host line; the YAML form with `all:`, a document marker or a list. */
function looksLikeIni(text: string): boolean {
	const first = text.split(/\r?\n/).find(line => !/^\s*([#;].*)?$/.test(line))?.trim();
	if (first === undefined || first.startsWith('---') || first.startsWith('- ') || first === '-' || first.startsWith('{')) {
		return false;
	}

	return /^\[[^\]]+\]$/.test(first) || !/^[^=\s]+:(\s|$)/.test(first);
}

async function parseYaml(text: string, file: string): Promise<Map<string, GroupTree>> {
	// Loaded only when an inventory is read: most commands never need a YAML parser.
	// yaml's Node entry is CommonJS: the ESM bundle sees it as a default export, Node's own loader as named ones too.
	const loaded: typeof import('yaml') & {default?: typeof import('yaml')} = await import('yaml');
	const {parseDocument} = loaded.default ?? loaded;
	const document = parseDocument(text, {prettyErrors: false, uniqueKeys: true});
	const [error] = document.errors;
	if (error) {
		// The parser's own message quotes the line, which may hold a password: say only where and what kind.
		const line = text.slice(0, error.pos[0]).split('\n').length;
		throw new BadInput(`${shown(file)} line ${line} is not YAML an inventory can be (${error.code.toLowerCase().replaceAll('_', ' ')}): check the file, or give the INI form`);
	}

	const root: unknown = document.toJS({maxAliasCount: 100});
	if (!isRecord(root)) {
		throw new BadInput(`${shown(file)} holds no inventory: it should start with "all:" and its "children" (kasmtech/ansible's inventory)`);
	}

	const groups = new Map<string, GroupTree>();
	const readGroup = (name: string, body: unknown, where: string) => {
		const group = groupNamed(groups, name, file);
		if (body === null || body === undefined) {
			return;
		}

		if (!isRecord(body)) {
			throw new BadInput(`${shown(file)}: ${where} should be a mapping with hosts, children or vars`);
		}

		if (body.hosts !== undefined && body.hosts !== null) {
			if (!isRecord(body.hosts)) {
				throw new BadInput(`${shown(file)}: ${where}.hosts should be a mapping of host names`);
			}

			for (const [pattern, vars] of Object.entries(body.hosts)) {
				for (const host of expandHostPattern(pattern, file)) {
					group.hosts.set(host, {...group.hosts.get(host), ...variablesOf(vars, `${where}.hosts.${host}`, file)});
				}
			}
		}

		if (body.vars !== undefined && body.vars !== null) {
			Object.assign(group.vars, variablesOf(body.vars, `${where}.vars`, file));
		}

		if (body.children !== undefined && body.children !== null) {
			if (!isRecord(body.children)) {
				throw new BadInput(`${shown(file)}: ${where}.children should be a mapping of group names`);
			}

			for (const [child, childBody] of Object.entries(body.children)) {
				group.children.add(child);
				readGroup(child, childBody, `${where}.children.${child}`);
			}
		}
	};

	for (const [name, body] of Object.entries(root)) {
		readGroup(name, body, name);
	}

	return groups;
}

function parseIni(text: string, file: string): Map<string, GroupTree> {
	const groups = new Map<string, GroupTree>();
	groupNamed(groups, 'all', file);
	let section: {group: string; kind: 'hosts' | 'children' | 'vars'} = {group: 'ungrouped', kind: 'hosts'};
	for (const [index, raw] of text.split(/\r?\n/).entries()) {
		const line = raw.trim();
		const where = `line ${index + 1}`;
		if (line === '' || line.startsWith('#') || line.startsWith(';')) {
			continue;
		}

		const header = /^\[([^\]:]+)(?::(children|vars))?\]$/.exec(line);
		if (header) {
			section = {group: header[1]!.trim(), kind: (header[2] as 'children' | 'vars' | undefined) ?? 'hosts'};
			groupNamed(groups, section.group, file);
			continue;
		}

		if (line.startsWith('[')) {
			throw new BadInput(`${shown(file)} ${where} is no group header: write [group], [group:children] or [group:vars]`);
		}

		const group = groupNamed(groups, section.group, file);
		if (section.kind === 'children') {
			group.children.add(line);
			groupNamed(groups, line, file);
		} else if (section.kind === 'vars') {
			const [key, value] = splitAssignment(line);
			Object.assign(group.vars, variablesOf(key === undefined ? {} : {[key]: value}, `${where}`, file));
		} else {
			const [pattern, ...assignments] = splitIniWords(line);
			const vars: Record<string, string> = {};
			for (const assignment of assignments) {
				const [key, value] = splitAssignment(assignment);
				if (key !== undefined) {
					vars[key] = value;
				}
			}

			for (const host of expandHostPattern(pattern!, file)) {
				group.hosts.set(host, {...group.hosts.get(host), ...variablesOf(vars, where, file)});
			}
		}
	}

	return groups;
}

/** `key=value` with the value's quotes taken off; a line without `=` has no key. */
function splitAssignment(text: string): [string | undefined, string] {
	const at = text.indexOf('=');
	if (at <= 0) {
		return [undefined, ''];
	}

	return [text.slice(0, at).trim(), unquote(text.slice(at + 1).trim())];
}

/** Words split at spaces outside quotes, as Ansible's INI host lines are. */
function splitIniWords(line: string): string[] {
	const words: string[] = [];
	let word = '';
	let quote: string | undefined;
	for (const character of line) {
		if (quote) {
			word += character;
			if (character === quote) {
				quote = undefined;
			}
		} else if (character === '"' || character === '\'') {
			quote = character;
			word += character;
		} else if (/\s/.test(character)) {
			if (word) {
				words.push(word);
			}

			word = '';
		} else {
			word += character;
		}
	}

	if (word) {
		words.push(word);
	}

	return words;
}

function unquote(value: string): string {
	return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** `agent[01:03]` is agent01, agent02, agent03, as Ansible expands it; other names are themselves. */
function expandHostPattern(pattern: string, file: string): string[] {
	const range = /^(.*)\[(\d+):(\d+)\](.*)$/.exec(pattern);
	if (!range) {
		return [checkedName(pattern, file)];
	}

	const [, before, from, to, after] = range;
	const width = from!.length;
	const first = Number(from);
	const last = Number(to);
	if (last < first || last - first > 999) {
		throw new BadInput(`${shown(file)}: the host range ${shownName(pattern)} should count up, 1000 hosts at most`);
	}

	return Array.from({length: last - first + 1}, (_, offset) => checkedName(`${before}${String(first + offset).padStart(width, '0')}${after}`, file));
}

const namePattern = new RegExp(hostNamePattern);

function checkedName(name: string, file: string): string {
	if (!namePattern.test(name)) {
		throw new BadInput(`${shown(file)}: ${shownName(name)} is not a host name kasm-tui can use (letters, digits and . _ -, at most 63)`);
	}

	return name;
}

function groupNamed(groups: Map<string, GroupTree>, name: string, file: string): GroupTree {
	let group = groups.get(name);
	if (!group) {
		if (!/^[\w.-]{1,100}$/.test(name)) {
			throw new BadInput(`${shown(file)}: ${shownName(name)} is not a group name (letters, digits and _ . -)`);
		}

		group = {hosts: new Map(), children: new Set(), vars: {}};
		groups.set(name, group);
	}

	return group;
}

/** The connection variables of a host's or group's variables; the rest (passwords, tokens) is never kept. */
function variablesOf(vars: unknown, where: string, file: string): Variables {
	if (vars === null || vars === undefined) {
		return {};
	}

	if (!isRecord(vars)) {
		throw new BadInput(`${shown(file)}: ${where} should be a mapping of variables`);
	}

	const read: Variables = {};
	for (const [field, names] of Object.entries(connectionVariables) as Array<[ConnectionField, readonly string[]]>) {
		const name = names.find(candidate => vars[candidate] !== undefined && vars[candidate] !== null);
		if (name !== undefined) {
			read[field] = {value: vars[name], where: `${where}: ${name}`};
		}
	}

	return read;
}

/** Each host once, its variables from its own entry over its groups' (nearest group first), as Ansible resolves them. */
function flatten(groups: Map<string, GroupTree>, file: string): Inventory {
	// Every group is in `all`, as in Ansible, whether or not the file says so: `all`'s vars reach every host.
	const all = groupNamed(groups, 'all', file);
	const someonesChild = new Set([...groups.values()].flatMap(group => [...group.children]));
	for (const name of groups.keys()) {
		if (name !== 'all' && !someonesChild.has(name)) {
			all.children.add(name);
		}
	}

	const parentsOf = new Map<string, string[]>();
	for (const [name, group] of groups) {
		for (const child of group.children) {
			parentsOf.set(child, [...(parentsOf.get(child) ?? []), name]);
		}
	}

	/** A group and its ancestors, nearest first; a cycle is an error, as in Ansible. */
	const lineage = (name: string, seen: string[] = []): string[] => {
		if (seen.includes(name)) {
			throw new BadInput(`${shown(file)}: the group ${shownName(name)} is its own parent (${[...seen, name].map(shownName).join(' → ')})`);
		}

		const result = [name];
		for (const parent of parentsOf.get(name) ?? []) {
			for (const ancestor of lineage(parent, [...seen, name])) {
				if (!result.includes(ancestor)) {
					result.push(ancestor);
				}
			}
		}

		return result;
	};

	for (const name of groups.keys()) {
		lineage(name);
	}

	const hosts = new Map<string, {own: Variables; groups: string[]}>();
	for (const [name, group] of groups) {
		for (const [host, own] of group.hosts) {
			const known = hosts.get(host) ?? {own: {}, groups: []};
			Object.assign(known.own, own);
			for (const ancestor of lineage(name)) {
				if (!known.groups.includes(ancestor)) {
					known.groups.push(ancestor);
				}
			}

			hosts.set(host, known);
		}
	}

	const folder = path.dirname(path.resolve(file));
	const result: InventoryHost[] = [];
	for (const [name, {own, groups: memberOf}] of hosts) {
		const merged: Variables = {};
		for (const group of [...memberOf].reverse()) {
			Object.assign(merged, groups.get(group)!.vars);
		}

		Object.assign(merged, own);
		const named = memberOf.filter(group => group !== 'all');
		result.push({
			name,
			groups: named,
			role: roleOf(named),
			address: merged.address ? text(merged.address, file, /^[\w.:][\w.:-]{0,252}$/, 'a host name or address') : name,
			port: merged.port ? port(merged.port, file) : undefined,
			user: merged.user ? text(merged.user, file, /^[a-z_][\w.-]{0,31}\$?$/i, 'a user name') : undefined,
			keyFile: merged.keyFile ? keyPath(text(merged.keyFile, file, /^[^\0\n]{1,4096}$/, 'a file path'), folder) : undefined,
		});
	}

	return {file, hosts: result, groups: [...groups.keys()].filter(name => name !== 'all')};
}

/** A Kasm role from the host's group names: `zone1_agent` or `agent`. */
function roleOf(groups: string[]): KasmRole | undefined {
	for (const group of groups) {
		const role = kasmRoles.find(candidate => group === candidate || group.endsWith(`_${candidate}`));
		if (role) {
			return role;
		}
	}

	return undefined;
}

/** A connection variable's value, checked before it reaches an ssh command line; the value itself is never put in the message. */
function text(variable: {value: unknown; where: string}, file: string, pattern: RegExp, what: string): string {
	const value = typeof variable.value === 'number' ? String(variable.value) : variable.value;
	if (typeof value !== 'string' || value.includes('{{') || !pattern.test(value)) {
		const why = typeof value === 'string' && value.includes('{{') ? 'a template (kasm-tui reads the file as written, not through Ansible)' : `not ${what}`;
		throw new BadInput(`${shown(file)}: ${variable.where} is ${why}`);
	}

	return value;
}

function port(variable: {value: unknown; where: string}, file: string): number {
	const value = Number(typeof variable.value === 'string' ? variable.value.trim() : variable.value);
	if (!Number.isInteger(value) || value < 1 || value > 65_535) {
		throw new BadInput(`${shown(file)}: ${variable.where} is not a port (1-65535)`);
	}

	return value;
}

function keyPath(value: string, folder: string): string {
	if (value === '~' || value.startsWith('~/')) {
		return path.join(os.homedir(), value.slice(1));
	}

	return path.resolve(folder, value);
}

/** What `--group` and `--role` choose: a group's hosts (its children's included), a role's in every zone, or both at once. */
export function selectInventoryHosts(inventory: Inventory, choice: {group?: string; role?: string}): InventoryHost[] {
	if (choice.role !== undefined && !kasmRoles.includes(choice.role as KasmRole)) {
		throw new BadInput(`--role takes one of ${kasmRoles.join(', ')}, not "${shownName(choice.role)}"`);
	}

	if (choice.group !== undefined && !inventory.groups.includes(choice.group)) {
		throw new BadInput(`${shown(inventory.file)} has no group "${shownName(choice.group)}" (groups: ${inventory.groups.map(shownName).join(', ').slice(0, 300) || 'none'})`);
	}

	const chosen = inventory.hosts.filter(host => (choice.group === undefined || host.groups.includes(choice.group)) && (choice.role === undefined || host.role === choice.role));
	if (chosen.length === 0) {
		const what = [choice.group === undefined ? '' : `in the group ${shownName(choice.group)}`, choice.role === undefined ? '' : `with the role ${choice.role}`].filter(Boolean).join(' and ');
		throw new BadInput(`${shown(inventory.file)} names no host${what ? ` ${what}` : ''}`);
	}

	return chosen;
}

/** `ssh://USER@HOST:PORT`, the address a host is reached at through the user's own ssh. */
export function inventoryAddress(host: InventoryHost): string {
	const at = host.address.includes(':') ? `[${host.address}]` : host.address;
	return `ssh://${host.user ? `${host.user}@` : ''}${at}${host.port ? `:${host.port}` : ''}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const shown = (file: string) => safeText(file).slice(0, 200);
const shownName = (name: string) => safeText(name).slice(0, 70);
