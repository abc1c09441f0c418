package lab

import (
	"fmt"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Bounds on a lab file, checked before it is parsed: HCL's parser and
// evaluator recurse once per level of nesting, so a hostile file of
// 70,000 parentheses (140 KB) overflows the stack, and a long chain of
// operators costs a frame per operator when evaluated. A lab file needs
// a handful of levels and a few dozen tokens per attribute.
const (
	// MaxLabFileSize is the largest lab file read, in bytes.
	MaxLabFileSize = 1 << 20
	// MaxNesting is the deepest nesting of brackets, quotes, template
	// interpolations and unary operators.
	MaxNesting = 64
	// MaxExprTokens is the most tokens one attribute's expression may
	// hold.
	MaxExprTokens = 10_000
)

// checkShape refuses a lab file that is too large, too deeply nested or
// holds too long an expression, before the parser sees it. The lexer it
// uses is a state machine that does not recurse.
func checkShape(path string, src []byte) error {
	if len(src) > MaxLabFileSize {
		return hint.Errorf(fmt.Sprintf("a lab file describes nodes, groups and the agent in a few KB; check that %s is the file you meant", path), "%s: %d bytes, more than a lab file may hold (%d)", path, len(src), MaxLabFileSize)
	}
	toks, _ := hclsyntax.LexConfig(src, path, hcl.InitialPos) // the parser reports lexical errors
	// depth counts every opened level; lists only ( and [, inside which
	// a newline does not end an expression.
	depth, lists, unary, inExpr := 0, 0, 0, 0
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOBrack, hclsyntax.TokenOParen:
			lists++
			depth++
		case hclsyntax.TokenCBrack, hclsyntax.TokenCParen:
			lists--
			depth--
		case hclsyntax.TokenOBrace, hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			depth--
		}
		// A run of unary operators (!!!x, - - x) nests as deep as it is long.
		if t.Type == hclsyntax.TokenBang || t.Type == hclsyntax.TokenMinus {
			unary++
		} else {
			unary = 0
		}
		inExpr++
		if t.Type == hclsyntax.TokenNewline && lists <= 0 {
			inExpr = 0
		}
		switch {
		case depth+unary > MaxNesting:
			return hint.Errorf("a lab file needs only a few levels; write the value plainly, e.g. nodes = 52", "%s:%d:%d: nested more than %d levels deep", path, t.Range.Start.Line, t.Range.Start.Column, MaxNesting)
		case inExpr > MaxExprTokens:
			return hint.Errorf("write the value plainly, e.g. nodes = 52", "%s:%d:%d: an expression of more than %d tokens", path, t.Range.Start.Line, t.Range.Start.Column, MaxExprTokens)
		}
	}
	return nil
}
