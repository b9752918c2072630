import {help, type OptionSpec} from './options.js';
import {commandName, commandTable, subcommandsOf, type ArgumentSpec, type Shell} from './table.js';

/**
 * `kasm-tui completion bash|zsh|fish`: each shell's completion script, made from the command
 * table like help and the man page, so a command or option added there completes at once. Each
 * script walks the words typed so far as the parser does (option values skipped, `fleet upgrade`
 * two words), then offers the subcommands, that command's own options, an option's values
 * (files, folders, words) or an argument's; for a <plugin> it asks `kasm-tui completion
 * --plugin-names` (with the --host typed on the line), which prints nothing when no daemon answers.
 */

/** What the scripts need of one command: how it is named and what it takes. */
interface CompletedCommand {
	/** `fleet upgrade`; '' for kasm-tui alone. */
	key: string;
	subcommands: Array<{word: string; summary: string}>;
	options: OptionSpec[];
	arguments: readonly ArgumentSpec[];
}

function completedCommands(): CompletedCommand[] {
	return commandTable.map(command => ({
		key: commandName(command),
		subcommands: subcommandsOf(command).map(sub => ({word: sub.path.at(-1)!, summary: sub.summary})),
		options: [...command.options.filter(option => !option.hidden), help],
		arguments: command.arguments,
	}));
}

/** The argument at `index` of the words after the command's own: the last repeats. */
function argumentKinds(command: CompletedCommand): {fixed: Array<ArgumentSpec['complete']>; repeating?: ArgumentSpec['complete'] | 'none'} {
	const fixed: Array<ArgumentSpec['complete']> = [];
	for (const argument of command.arguments) {
		if (argument.repeats) {
			return {fixed, repeating: argument.complete ?? 'none'};
		}

		fixed.push(argument.complete);
	}

	return {fixed};
}

/** `'text'` for a POSIX shell (bash and zsh): single quotes, each one inside closed, escaped and reopened. */
function quoted(text: string): string {
	return `'${text.replaceAll("'", "'\\''")}'`;
}

/** `'text'` for fish, whose single quotes take \' and \\. */
function fishQuoted(text: string): string {
	return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/**
 * Which options take the next word as their value, as the parser reads them: as the command
 * takes it, else as any command that takes it does. Two lists of case patterns on "KEY|WORD":
 * `switches` first (where a command takes as a switch what others give a value, `--version`),
 * then `valued`. A group of short options (-yH ADDRESS) is read by its last letter.
 */
function valuedPatterns(commands: CompletedCommand[]): {switches: string[]; valued: string[]} {
	const patterns = (key: string, option: OptionSpec) => [quoted(`${key}|--${option.name}`), ...(option.short ? [`${quoted(`${key}|-`)}*${option.short}`] : [])];
	const switches: string[] = [];
	const valued: string[] = [];
	const seen = new Set<string>();
	for (const option of commands.flatMap(command => command.options)) {
		if (!option.value || seen.has(option.name)) {
			continue;
		}

		seen.add(option.name);
		for (const command of commands) {
			const own = command.options.find(candidate => candidate.name === option.name);
			if (own && !own.value) {
				switches.push(...patterns(command.key, own));
			}
		}

		valued.push(...patterns('', option).map(pattern => `*${pattern}`));
	}

	return {switches, valued};
}

/** The bash and zsh case arms that set `skip` to an option word whose value is the next word. */
function valuedCase(commands: CompletedCommand[], indent: string): string {
	const {switches, valued} = valuedPatterns(commands);
	return [...(switches.length > 0 ? [`${indent}${switches.join(' | ')}) ;;`] : []), `${indent}${valued.join(' | ')}) skip=$word ;;`].join('\n');
}

/** "KEY|WORD" patterns of every subcommand word: `'|plugins'`, `'fleet|upgrade'`. */
function subcommandPatterns(commands: CompletedCommand[]): string[] {
	return commands.flatMap(command => command.subcommands.map(sub => quoted(`${command.key}|${sub.word}`)));
}

/** The words an option or argument completes with: `--name` (and `-x`) of options. */
function optionWords(option: OptionSpec): string[] {
	return [`--${option.name}`, ...(option.short ? [`-${option.short}`] : [])];
}

/** A word list, or the kind's name, for the scripts' value and argument functions. */
function completionKind(complete: OptionSpec['complete'] | ArgumentSpec['complete'] | 'none'): string {
	if (complete === undefined || complete === 'none') {
		return 'none';
	}

	return typeof complete === 'string' ? complete : `words:${complete.join(' ')}`;
}

/** The kind each option's value completes with, as case arms on "KEY|--NAME" (and "KEY|-X"). */
function valueArms(commands: CompletedCommand[], indent: string, arm: (patterns: string[], kind: string) => string): string[] {
	const byKind = new Map<string, string[]>();
	for (const command of commands) {
		for (const option of command.options.filter(candidate => candidate.value && candidate.complete)) {
			const kind = completionKind(option.complete);
			byKind.set(kind, [...(byKind.get(kind) ?? []), ...optionWords(option).map(word => quoted(`${command.key}|${word}`))]);
		}
	}

	return [...byKind].map(([kind, patterns]) => indent + arm(patterns, kind));
}

/** Plugin names and word lists complete; references, images and fleet hosts are typed. */
function completes(complete: ArgumentSpec['complete']): boolean {
	return complete === 'plugin' || Array.isArray(complete);
}

/** The kind of each argument position, as case arms on "KEY|INDEX" ("KEY|*" for a repeating last one). */
function argumentArms(commands: CompletedCommand[]): Array<{pattern: string; kind: string}> {
	const arms: Array<{pattern: string; kind: string}> = [];
	for (const command of commands) {
		const {fixed, repeating} = argumentKinds(command);
		for (const [index, complete] of fixed.entries()) {
			if (completes(complete)) {
				arms.push({pattern: quoted(`${command.key}|${index}`), kind: completionKind(complete)});
			}
		}

		if (repeating !== 'none' && completes(repeating)) {
			arms.push({pattern: `${quoted(`${command.key}|`)}*`, kind: completionKind(repeating)});
		}
	}

	return arms;
}

/**
 * The walk over the words before the cursor, the same in bash and zsh: which command they name,
 * the --host and --tls-insecure to ask the daemon with, an option whose value comes next, and how
 * many arguments there are. Its text goes inside each shell's `for` loop over the words.
 */
function wordWalk(commands: CompletedCommand[]): string {
	return `        word=\${words[i]}
        if [[ -n $skip ]]; then
            [[ $skip == --host || $skip == -H ]] && host=(--host "$word")
            skip=''
            continue
        fi
        case $word in
            --host=*) host=(--host "\${word#--host=}"); continue ;;
            --tls-insecure) tls=(--tls-insecure); continue ;;
            --*=* | --) continue ;;
            -?*)
                case "$command|$word" in
${valuedCase(commands, '                    ')}
                esac
                continue
                ;;
        esac
        if ((positionals == 0)); then
            case "$command|$word" in
                ${subcommandPatterns(commands).join(' | ')})
                    command=\${command:+$command }$word
                    continue
                    ;;
            esac
        fi
        ((positionals++))
    done
`;
}

function bashScript(): string {
	const commands = completedCommands();
	const optionLists = commands.map(command => `        ${quoted(command.key)}) options=${quoted(command.options.flatMap(option => optionWords(option)).join(' '))} ;;`);
	const subcommandLists = commands
		.filter(command => command.subcommands.length > 0)
		.map(command => `        ${quoted(command.key)}) subcommands=${quoted(command.subcommands.map(sub => sub.word).join(' '))} ;;`);
	return `# bash completion for kasm-tui, made from its command table: kasm-tui completion bash
# Use: source <(kasm-tui completion bash), or a file in /usr/share/bash-completion/completions/.

# The names of the plugins, from the daemon the line names (--host), one a line; nothing when none answers.
_kasm_tui_plugins() {
    local program=\${1/#\\~/$HOME}
    shift
    command -v -- "$program" >/dev/null 2>&1 || program=kasm-tui
    if command -v timeout >/dev/null 2>&1; then
        timeout 5 "$program" completion --plugin-names "$@" 2>/dev/null
    else
        "$program" completion --plugin-names "$@" 2>/dev/null
    fi
}

# What a value or an argument completes with: files, folders, a list of words, or plugin names.
_kasm_tui_complete_kind() {
    # Word lists split at blanks; the caller reads what is printed a line a reply.
    local kind=$1 cur=$2 IFS=$' \t\n'
    shift 2
    case $kind in
        file) compgen -f -- "$cur" ;;
        directory) compgen -d -- "$cur" ;;
        words:*) compgen -W "\${kind#words:}" -- "$cur" ;;
        plugin) compgen -W "$(_kasm_tui_plugins "$@")" -- "$cur" ;;
    esac
}

_kasm_tui() {
    local words=() cur word command='' skip='' positionals=0 i kind='' prefix='' options='' subcommands=''
    local -a host=() tls=() replies=()
    # The words as typed: COMP_WORDS splits name:tag and --opt=value at : and =, so read the line when there is one.
    if [[ -n \${COMP_LINE+set} ]]; then
        local line=\${COMP_LINE:0:\${COMP_POINT:-\${#COMP_LINE}}}
        read -ra words <<<"$line"
        [[ -z $line || $line =~ [[:space:]]$ ]] && words+=('')
    else
        words=("\${COMP_WORDS[@]:0:COMP_CWORD+1}")
    fi
    cur=\${words[\${#words[@]}-1]}

    for ((i = 1; i < \${#words[@]} - 1; i++)); do
${wordWalk(commands)}
    if [[ -n $skip ]]; then
        kind=$(_kasm_tui_value_kind "$command" "$skip")
    elif [[ $cur == --*=* ]]; then
        prefix=\${cur%%=*}=
        kind=$(_kasm_tui_value_kind "$command" "\${cur%%=*}")
        cur=\${cur#*=}
    elif [[ $cur == -* ]]; then
        case $command in
${optionLists.join('\n')}
        esac
        replies=($(compgen -W "$options" -- "$cur"))
    else
        if ((positionals == 0)); then
            case $command in
${subcommandLists.join('\n')}
            esac
            [[ -n $subcommands ]] && replies=($(compgen -W "$subcommands" -- "$cur"))
        fi
        case "$command|$positionals" in
${argumentArms(commands)
	.map(arm => `            ${arm.pattern}) kind=${quoted(arm.kind)} ;;`)
	.join('\n')}
        esac
    fi
    if [[ -n $kind ]]; then
        local IFS=$'\\n'
        replies+=($(_kasm_tui_complete_kind "$kind" "$cur" "\${words[0]}" "\${host[@]}" "\${tls[@]}"))
        unset IFS
        [[ -n $prefix ]] && replies=("\${replies[@]/#/$prefix}")
        [[ $kind == file || $kind == directory ]] && compopt -o filenames 2>/dev/null
    fi
    # Bash replaces only what follows the last : or = of the word (COMP_WORDBREAKS): offer only that part.
    if [[ -n \${COMP_LINE+set} ]]; then
        local whole=\${prefix}\${cur} broken=\${COMP_WORDS[COMP_CWORD]}
        local gone=\${whole%"$broken"}
        [[ -n $gone && $whole == *"$broken" ]] && replies=("\${replies[@]#"$gone"}")
    fi
    COMPREPLY=("\${replies[@]}")
}

# The kind of value an option takes where the command is $1.
_kasm_tui_value_kind() {
    case "$1|$2" in
${valueArms(commands, '        ', (patterns, kind) => `${patterns.join(' | ')}) echo ${quoted(kind)} ;;`).join('\n')}
    esac
}

complete -F _kasm_tui kasm-tui
`;
}

function zshScript(): string {
	const commands = completedCommands();
	const described = (entries: Array<[string, string]>) => entries.map(([word, text]) => quoted(`${word.replaceAll(':', '\\:')}:${text}`)).join(' ');
	const optionLists = commands.map(
		command => `        ${quoted(command.key)}) options=(${described(command.options.flatMap(option => optionWords(option).map((word): [string, string] => [word, option.description])))}) ;;`,
	);
	const subcommandLists = commands
		.filter(command => command.subcommands.length > 0)
		.map(command => `        ${quoted(command.key)}) subcommands=(${described(command.subcommands.map(sub => [sub.word, sub.summary]))}) ;;`);
	return `#compdef kasm-tui
# zsh completion for kasm-tui, made from its command table: kasm-tui completion zsh
# Use: source <(kasm-tui completion zsh) after compinit, or this file as _kasm-tui in $fpath.

# What a value or an argument completes with: files, folders, a list of words, or plugin names.
_kasm_tui_complete_kind() {
    local kind=$1 program=$2
    shift 2
    case $kind in
        file) _files ;;
        directory) _files -/ ;;
        words:*) compadd -- \${=kind#words:} ;;
        plugin)
            local -a names
            (( $+commands[$program] )) || [[ -x $program ]] || program=kasm-tui
            if (( $+commands[timeout] )); then
                names=(\${(f)"$(timeout 5 $program completion --plugin-names "$@" 2>/dev/null)"})
            else
                names=(\${(f)"$($program completion --plugin-names "$@" 2>/dev/null)"})
            fi
            compadd -a names
            ;;
    esac
}

_kasm_tui() {
    local command='' word skip='' kind='' cur=\${words[CURRENT]}
    local -a host tls options subcommands
    integer positionals=0 i
    for ((i = 2; i < CURRENT; i++)); do
${wordWalk(commands)}
    if [[ -n $skip ]]; then
        kind=$(_kasm_tui_value_kind "$command" "$skip")
    elif [[ $cur == --*=* ]]; then
        kind=$(_kasm_tui_value_kind "$command" "\${cur%%=*}")
        compset -P '*='
    elif [[ $cur == -* ]]; then
        case $command in
${optionLists.join('\n')}
        esac
        _describe -t options option options
        return
    else
        if ((positionals == 0)); then
            case $command in
${subcommandLists.join('\n')}
            esac
            (( \${#subcommands} )) && _describe -t commands command subcommands
        fi
        case "$command|$positionals" in
${argumentArms(commands)
	.map(arm => `            ${arm.pattern}) kind=${quoted(arm.kind)} ;;`)
	.join('\n')}
        esac
    fi
    [[ -n $kind ]] && _kasm_tui_complete_kind "$kind" "\${words[1]}" "\${host[@]}" "\${tls[@]}"
    return 0
}

# The kind of value an option takes where the command is $1.
_kasm_tui_value_kind() {
    case "$1|$2" in
${valueArms(commands, '        ', (patterns, kind) => `${patterns.join(' | ')}) echo ${quoted(kind)} ;;`).join('\n')}
    esac
}

# Loaded from $fpath as _kasm-tui: complete now; sourced: register.
if [[ \${funcstack[1]-} == _kasm-tui ]]; then
    _kasm_tui "$@"
else
    compdef _kasm_tui kasm-tui
fi
`;
}

function fishScript(): string {
	const commands = completedCommands();
	const lines: string[] = [];
	for (const command of commands) {
		const at = fishQuoted(`__kasm_tui_at ${fishQuoted(command.key)}`);
		for (const sub of command.subcommands) {
			lines.push(`complete -c kasm-tui -n ${fishQuoted(`__kasm_tui_argument ${fishQuoted(command.key)} 0`)} -a ${fishQuoted(sub.word)} -d ${fishQuoted(sub.summary)}`);
		}

		for (const option of command.options) {
			const names = [`-l ${option.name}`, ...(option.short ? [`-s ${option.short}`] : [])].join(' ');
			lines.push(`complete -c kasm-tui -n ${at} ${names}${option.value ? ` -r${fishValue(option.complete)}` : ''} -d ${fishQuoted(option.description)}`);
		}

		const {fixed, repeating} = argumentKinds(command);
		for (const [index, complete] of fixed.entries()) {
			const values = fishArgument(complete);
			if (values) {
				lines.push(`complete -c kasm-tui -n ${fishQuoted(`__kasm_tui_argument ${fishQuoted(command.key)} ${index}`)} ${values}`);
			}
		}

		const values = repeating === undefined || repeating === 'none' ? undefined : fishArgument(repeating);
		if (values) {
			lines.push(`complete -c kasm-tui -n ${fishQuoted(`__kasm_tui_argument ${fishQuoted(command.key)} ${fixed.length} more`)} ${values}`);
		}
	}

	return `# fish completion for kasm-tui, made from its command table: kasm-tui completion fish
# Use: kasm-tui completion fish | source, or a file in /usr/share/fish/vendor_completions.d/.

# Reads the line typed so far as kasm-tui does: the command (fleet upgrade is two words), how many arguments follow it, the --host given.
function __kasm_tui_walk
    # Every condition below asks; the line is read once.
    set -l line (commandline -pc)
    set -q __kasm_tui_walked; and test "$line" = "$__kasm_tui_walked"; and return
    set -g __kasm_tui_walked $line
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -g __kasm_tui_command ''
    set -g __kasm_tui_positionals 0
    set -g __kasm_tui_host
    set -g __kasm_tui_tls
    set -l skip ''
    for word in $tokens
        if test -n "$skip"
            contains -- $skip --host -H; and set -g __kasm_tui_host --host $word
            set skip ''
            continue
        end
        switch $word
            case '--host=*'
                set -g __kasm_tui_host --host (string replace -- '--host=' '' $word)
                continue
            case --tls-insecure
                set -g __kasm_tui_tls --tls-insecure
                continue
            case '--*=*' --
                continue
            case '-?*'
                switch "$__kasm_tui_command|$word"
${fishValuedCase(commands)}
                end
                continue
        end
        if test $__kasm_tui_positionals -eq 0
            switch "$__kasm_tui_command|$word"
                case ${subcommandPatterns(commands).map(pattern => fishCasePattern(pattern)).join(' ')}
                    set -g __kasm_tui_command (string trim -- "$__kasm_tui_command $word")
                    continue
            end
        end
        set -g __kasm_tui_positionals (math $__kasm_tui_positionals + 1)
    end
    # The word at the cursor is an option's value, not an argument.
    set -g __kasm_tui_value_next $skip
end

# The line is at that command.
function __kasm_tui_at -a command
    __kasm_tui_walk
    test "$__kasm_tui_command" = "$command"
end

# The line is at that command's argument number index (or past it, with more).
function __kasm_tui_argument -a command index more
    __kasm_tui_walk
    test "$__kasm_tui_command" = "$command"; and test -z "$__kasm_tui_value_next"; or return 1
    string match -q -- '-*' (commandline -ct); and return 1
    if test -n "$more"
        test $__kasm_tui_positionals -ge $index
    else
        test $__kasm_tui_positionals -eq $index
    end
end

# The names of the plugins, from the daemon the line names (--host), one a line; nothing when none answers.
function __kasm_tui_plugins
    __kasm_tui_walk
    set -l program (commandline -opc)[1]
    command -q -- $program; or set program kasm-tui
    if command -q timeout
        timeout 5 $program completion --plugin-names $__kasm_tui_host $__kasm_tui_tls 2>/dev/null
    else
        $program completion --plugin-names $__kasm_tui_host $__kasm_tui_tls 2>/dev/null
    end
end

complete -c kasm-tui -e
complete -c kasm-tui -f
${lines.join('\n')}
`;
}

/** valuedCase for fish: the switches first, then the options whose value is the next word. */
function fishValuedCase(commands: CompletedCommand[]): string {
	const {switches, valued} = valuedPatterns(commands);
	return [
		...(switches.length > 0 ? [`                    case ${switches.map(pattern => fishCasePattern(pattern)).join(' ')}`] : []),
		`                    case ${valued.map(pattern => fishCasePattern(pattern)).join(' ')}`,
		'                        set skip $word',
	].join('\n');
}

/**
 * A "KEY|WORD" pattern as bash writes it, in fish's `case`, which takes its wildcards inside the
 * quotes (an unquoted * is globbed against files). No option or command name holds * or ?.
 */
function fishCasePattern(pattern: string): string {
	const match = /^(\*?)'((?:[^']|'\\'')*)'(?:\*(.*))?$/.exec(pattern);
	if (!match) {
		throw new Error(`cannot write ${pattern} for fish`);
	}

	return fishQuoted(`${match[1] ? '*' : ''}${match[2]!.replaceAll("'\\''", "'")}${match[3] === undefined ? '' : `*${match[3]}`}`);
}

/** fish's flags for an option's value: files, folders or words (without, fish offers nothing but what is typed). */
function fishValue(complete: OptionSpec['complete']): string {
	if (complete === 'file') {
		return ' -F';
	}

	if (complete === 'directory') {
		return " -f -a '(__fish_complete_directories)'";
	}

	return Array.isArray(complete) ? ` -f -a ${fishQuoted(complete.join(' '))}` : ' -f';
}

/** fish's flags for an argument: plugin names from the daemon, or words. */
function fishArgument(complete: ArgumentSpec['complete']): string | undefined {
	if (complete === 'plugin') {
		return "-a '(__kasm_tui_plugins)'";
	}

	return Array.isArray(complete) ? `-a ${fishQuoted(complete.join(' '))}` : undefined;
}

/** The completion script of `shell`. */
export function completionScript(shell: Shell): string {
	switch (shell) {
		case 'bash': {
			return bashScript();
		}

		case 'zsh': {
			return zshScript();
		}

		case 'fish': {
			return fishScript();
		}
	}
}

