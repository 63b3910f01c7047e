import { FILES, SHELLS } from "../complete.ts";

export type Shell = (typeof SHELLS)[number];

// Each script hands the words typed so far to `slipway __complete`, which answers one candidate a line, or FILES
// for "complete file names yourself"; all the knowledge stays in one place, in slipway.
const SCRIPTS: Readonly<Record<Shell, string>> = {
  bash: `# slipway completion for bash. Load it with:  source <(slipway completion bash)
_slipway_complete() {
  local IFS=$'\\n' cur="\${COMP_WORDS[COMP_CWORD]}" out
  out=$(slipway __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
  if [[ "$out" == "${FILES}" ]]; then
    compopt -o default 2>/dev/null
    COMPREPLY=()
    return 0
  fi
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
}
complete -F _slipway_complete slipway
`,
  zsh: `#compdef slipway
# slipway completion for zsh. Load it with:  source <(slipway completion zsh)   (after compinit)
_slipway() {
  local -a candidates
  candidates=("\${(@f)$(slipway __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${candidates[1]}" == "${FILES}" ]]; then
    _files
    return
  fi
  compadd -a candidates
}
compdef _slipway slipway
`,
  fish: `# slipway completion for fish. Load it with:  slipway completion fish | source
function __slipway_complete
    set -l out (slipway __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    if test "$out[1]" = "${FILES}"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $out
    end
end
complete -c slipway -f -a '(__slipway_complete)'
`,
};

/** `slipway completion <shell>`: prints the completion script for bash, zsh or fish. */
export function runCompletion(shell: Shell): Promise<number> {
  process.stdout.write(SCRIPTS[shell]);
  return Promise.resolve(0);
}
