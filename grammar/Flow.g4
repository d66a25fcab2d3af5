// The .flow language. The C++ parser is generated from this file into the build tree
// (grammar/CMakeLists.txt); compiler/parse.cc is the only code that uses it and turns
// the parse tree into the AST of compiler/ast.h.
//
// Newlines are not significant: every statement and policy item starts with a keyword,
// and `;` may separate policy items. Nesting and counts are capped by the adapter
// before parsing (docs/language.md, "Limits").
//
// A file is `(import | const | workflow)*`, where a workflow is
//   workflowHead workflowItem* workflowTail
// The adapter drives these entry rules one item at a time and frees each item's parse
// tree once it is turned into AST, so memory does not grow with the parse tree of the
// whole file. Expressions are a flat `operand (op operand)*`; the adapter applies
// precedence, so a literal costs three parse-tree nodes and the parse tree depth is
// bounded by the bracket depth, which the adapter checks before parsing.
grammar Flow;

// ------------------------------------------------------------------ entry rules
topItem  : importDecl | constDecl ;
// An expression alone: ParseExpression and the bodies of ${...} interpolations.
exprOnly : expr EOF ;

importDecl : IMPORT STRING ';'? ;
constDecl  : CONST name '=' expr ';'? ;

workflowHead : WORKFLOW name '(' paramList? ')' '{' ;
workflowTail : '}' policyBlock? ;

paramList : param (',' param)* ','? ;
param     : name ':' typeExpr ('=' expr)? ;

typeExpr
  : name ('<' typeExpr (',' typeExpr)* '>')?
  | '{' (typeField (',' typeField)* ','?)? '}'
  ;
typeField : name '?'? ':' typeExpr ;

workflowItem
  : DEFAULTS policyBlock
  | handler
  | stmt
  ;

handler : ON (FAILURE | SUCCESS) block ;

// ------------------------------------------------------------------ statements
block : '{' blockItem* '}' ;
// Handlers are accepted anywhere syntactically so that a misplaced one gets a
// precise error from the adapter rather than a generic syntax error.
blockItem : stmt | handler ;

stmt
  : stageStmt
  | foreachStmt
  | fanoutStmt
  | rollingStmt
  | groupStmt
  | approveStmt
  ;

stageStmt
  : STAGE name '=' opName '(' argList? ')' afterClause? whenClause? policyBlock?
  ;
opName  : name ('.' name)* ;
argList : arg (',' arg)* ','? ;
arg     : (name ':')? expr ;

afterClause : AFTER name (',' name)* ;
whenClause  : WHEN expr ;

foreachStmt
  : FOREACH name IN expr (PARALLEL expr)? block policyBlock?
  ;
fanoutStmt
  : FANOUT name IN expr (PARALLEL parallelValue)? (TOLERATE expr)? block policyBlock?
  ;
parallelValue : ALL | expr ;
// `batch`: waves (a wave starts when the previous one ended); `window`: a sliding
// window (a finished item hands its slot to the next at once). `keep N|P% serving`: a
// capacity floor, items out (running, or failed) never exceed len - floor.
rollingStmt
  : ROLLING name IN expr (BATCH expr | WINDOW expr) (KEEP expr SERVING)? (TOLERATE expr)?
    block policyBlock?
  ;
groupStmt   : GROUP name block policyBlock? ;
approveStmt : APPROVE name expr afterClause? whenClause? ;

// ------------------------------------------------------------------ policies
policyBlock : '{' (policyItem | ';')* '}' ;

policyItem
  : RETRY expr (BACKOFF expr '..' expr)? JITTER? (ON '[' (name (',' name)* ','?)? ']')?  # retryPolicy
  | TIMEOUT expr                                                                # timeoutPolicy
  | HEARTBEAT expr                                                              # heartbeatPolicy
  | TOLERATE expr                                                               # toleratePolicy
  | POOL name                                                                   # poolPolicy
  ;

// ------------------------------------------------------------------ expressions
// Precedence (applied by the adapter), loosest first: or; and; not (prefix);
// == != < <= > >= in (not chained); + -; * / %; - (prefix); . [ ] [*] (postfix).
expr     : operand (binaryOp operand)* ;
binaryOp : OR | AND | '==' | '!=' | '<' | '<=' | '>' | '>=' | IN | '+' | '-' | '*' | '/' | '%' ;
operand  : (MINUS | NOT)* primary postfixOp* ;
postfixOp
  : '.' fieldName     # fieldOp
  | '[' '*' ']'       # allOp
  | '[' expr ']'      # indexOp
  ;

primary
  : INT                                   # intLit
  | FLOAT                                 # floatLit
  | UNIT_NUMBER                           # unitLit
  | PERCENT_LIT                           # percentLit
  | STRING                                # stringLit
  | KW_TRUE                               # trueLit
  | KW_FALSE                               # falseLit
  | KW_NULL                               # nullLit
  | name '(' (expr (',' expr)* ','?)? ')' # callExpr
  | name                                  # nameExpr
  | '(' expr ')'                          # parenExpr
  | '[' (expr (',' expr)* ','?)? ']'      # listExpr
  | '{' (recordField (',' recordField)* ','?)? '}'  # recordExpr
  ;
recordField : (fieldName | STRING) ':' expr ;

// Words that are keywords only where the grammar expects them; elsewhere they are
// ordinary names (argument names such as `timeout:`, error classes, fields).
name
  : ID | FAILURE | SUCCESS | ALL | PARALLEL | BATCH | WINDOW | KEEP | SERVING | TOLERATE
  | AFTER | WHEN
  | RETRY | BACKOFF | JITTER | TIMEOUT | HEARTBEAT | POOL | DEFAULTS
  ;

// After '.' and as a record key, every word is a name, reserved words included
// (`error.stage`, `{in: 1}`): no statement or operator can start there.
fieldName
  : name | WORKFLOW | STAGE | FOREACH | FANOUT | ROLLING | GROUP | APPROVE | ON | IMPORT
  | CONST | IN | AND | OR | NOT | KW_TRUE | KW_FALSE | KW_NULL
  ;

// ------------------------------------------------------------------ lexer
WORKFLOW : 'workflow' ;
STAGE    : 'stage' ;
FOREACH  : 'foreach' ;
FANOUT   : 'fanout' ;
ROLLING  : 'rolling' ;
GROUP    : 'group' ;
APPROVE  : 'approve' ;
ON       : 'on' ;
IMPORT   : 'import' ;
CONST    : 'const' ;
IN       : 'in' ;
AND      : 'and' ;
OR       : 'or' ;
NOT      : 'not' ;
KW_TRUE  : 'true' ;
KW_FALSE : 'false' ;
KW_NULL  : 'null' ;
FAILURE  : 'failure' ;
SUCCESS  : 'success' ;
ALL      : 'all' ;
PARALLEL : 'parallel' ;
BATCH    : 'batch' ;
WINDOW   : 'window' ;
KEEP     : 'keep' ;
SERVING  : 'serving' ;
TOLERATE : 'tolerate' ;
AFTER    : 'after' ;
WHEN     : 'when' ;
RETRY    : 'retry' ;
BACKOFF  : 'backoff' ;
JITTER   : 'jitter' ;
TIMEOUT  : 'timeout' ;
HEARTBEAT: 'heartbeat' ;
POOL     : 'pool' ;
DEFAULTS : 'defaults' ;

LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
LBRACK : '[' ;
RBRACK : ']' ;
COMMA  : ',' ;
COLON  : ':' ;
SEMI   : ';' ;
DOTDOT : '..' ;
DOT    : '.' ;
QUESTION : '?' ;
EQ     : '==' ;
NE     : '!=' ;
LE     : '<=' ;
GE     : '>=' ;
LT     : '<' ;
GT     : '>' ;
ASSIGN : '=' ;
PLUS   : '+' ;
MINUS  : '-' ;
STAR   : '*' ;
SLASH  : '/' ;
MOD    : '%' ;

// 10s, 1h30m, 250ms, 128k, 50GB: decoded (and validated) by the adapter.
UNIT_NUMBER : DIGITS ('.' DIGITS)? [a-zA-Z] [a-zA-Z0-9]* ;
PERCENT_LIT : DIGITS ('.' DIGITS)? '%' ;
FLOAT       : DIGITS '.' DIGITS ;
INT         : DIGITS ;
ID          : [a-zA-Z_] [a-zA-Z0-9_]* ;

// A string is one token, interpolations included; the adapter splits it and parses
// each ${...} as an expression. Strings end at the line end.
STRING : '"' STR_CHAR* '"' ;
UNTERMINATED_STRING : '"' STR_CHAR* ;

LINE_COMMENT  : '//' ~[\r\n]* ;
BLOCK_COMMENT : '/*' .*? '*/' ;
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* ;

WS : [ \t\r\n\f]+ -> skip ;
// Anything else: reported by the adapter as an unexpected character.
ERROR_CHAR : . ;

fragment DIGITS : [0-9]+ ;
fragment STR_CHAR : ~["\\\r\n$] | '\\' ~[\r\n] | INTERP | '$' ;
fragment INTERP : '${' INTERP_CHAR* '}' ;
fragment INTERP_CHAR : ~["{}\r\n] | '"' STR_CHAR* '"' | '{' INTERP_CHAR* '}' ;
