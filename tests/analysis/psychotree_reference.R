# Reference Bradley-Terry tree from R's psychotree, for amlb's tests.
#
# Usage: Rscript psychotree_reference.R SCORES.csv META.csv MAXDEPTH MINSIZE ALPHA OUT.json
#   SCORES.csv: task, [fold], framework, score (higher is better)
#   META.csv:   task + one column per meta-feature (numeric, or text = categorical)
#   MAXDEPTH:   a number or Inf;  MINSIZE: an integer or NULL (psychotree's default)
#
# The inputs are encoded exactly as amlb.analysis.mob encodes them: frameworks
# sorted by name in C (byte) order, subjects (task, or task x fold) sorted by task in
# C order then fold, comparisons sign(score_i - score_j) (NA if either is missing),
# categorical levels sorted in C order, subjects with a missing meta-feature or no
# comparison dropped. Writes the tree as JSON in amlb's format, plus `seconds` (time
# spent in bttree()).
suppressMessages(library(psychotree))
suppressMessages(library(jsonlite))

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 6L)
scores <- read.csv(args[1L], stringsAsFactors = FALSE, check.names = FALSE)
meta <- read.csv(args[2L], stringsAsFactors = FALSE, check.names = FALSE)
maxdepth <- as.numeric(args[3L])
minsize <- if (args[4L] == "NULL") NULL else as.integer(args[4L])
alpha <- as.numeric(args[5L])
out <- args[6L]

scores$task <- as.character(scores$task)
meta$task <- as.character(meta$task)
has_fold <- "fold" %in% names(scores)
frameworks <- sort(unique(scores$framework), method = "radix")
k <- length(frameworks)
subj <- if (has_fold) unique(scores[, c("task", "fold")]) else data.frame(task = unique(scores$task))
subj <- if (has_fold) subj[order(subj$task, subj$fold, method = "radix"), , drop = FALSE] else
  subj[order(subj$task, method = "radix"), , drop = FALSE]
key_s <- if (has_fold) paste(subj$task, subj$fold, sep = "\r") else subj$task
key_r <- if (has_fold) paste(scores$task, scores$fold, sep = "\r") else scores$task
S <- matrix(NA_real_, nrow = length(key_s), ncol = k)
S[cbind(match(key_r, key_s), match(scores$framework, frameworks))] <- scores$score

ix <- which(upper.tri(diag(k)), arr.ind = TRUE)
cmp <- sign(S[, ix[, 1L], drop = FALSE] - S[, ix[, 2L], drop = FALSE])

vars <- setdiff(names(meta), "task")
d <- data.frame(row = seq_len(nrow(subj)))
for (v in vars) {
  x <- meta[[v]][match(subj$task, meta$task)]
  if (is.character(x)) x <- factor(x, levels = sort(unique(x[!is.na(x)]), method = "radix"))
  d[[v]] <- x
}
d$row <- NULL
d$pc <- paircomp(cmp, labels = frameworks)
keep <- complete.cases(d[vars]) & !apply(is.na(cmp), 1L, all)
d <- d[keep, , drop = FALSE]

f <- as.formula(paste("pc ~", paste(sprintf("`%s`", vars), collapse = " + ")))
old <- options(show.error.messages = FALSE)  # partykit try()s its tests; failures are expected
t0 <- proc.time()[["elapsed"]]
tree <- if (is.null(minsize)) bttree(f, data = d, maxdepth = maxdepth, alpha = alpha) else
  bttree(f, data = d, maxdepth = maxdepth, minsize = minsize, alpha = alpha)
seconds <- proc.time()[["elapsed"]] - t0
options(old)

worths <- tryCatch(itempar(tree), error = function(e) NULL)  # itempar fails for 2 frameworks
if (!is.null(worths) && is.null(dim(worths)))
  worths <- matrix(worths, nrow = 1L, dimnames = list(as.character(nodeids(tree, terminal = TRUE)), names(worths)))
worth_of <- function(id, coefficients) {
  if (!is.null(worths)) return(as.list(worths[as.character(id), frameworks]))
  w <- exp(c(coefficients[seq_len(k - 1L)], 0))  # as itempar: exp(theta) / sum(exp(theta))
  structure(as.list(w / sum(w)), names = frameworks)
}
# jsonlite prints at most 15 significant digits: write doubles with 17, verbatim
num <- function(x) if (length(x) != 1L || is.na(x)) NULL else structure(sprintf("%.17g", x), class = "json")
nums <- function(x) lapply(x, num)
nodes <- list()
walk <- function(node, depth) {
  id <- id_node(node)
  info <- info_node(node)
  terminal <- is.terminal(node)
  split <- NULL
  if (!terminal) {
    sp <- split_node(node)
    var <- names(tree$data)[varid_split(sp)]
    z <- d[[var]]
    if (is.factor(z)) {
      index <- index_split(sp)
      lv <- levels(z)
      split <- list(variable = var, left_levels = I(lv[!is.na(index) & index == 1L]),
                    right_levels = I(lv[!is.na(index) & index == 2L]))
    } else {
      split <- list(variable = var, split_point = num(breaks_split(sp)))
    }
  }
  tests <- NULL
  if (!is.null(info$test) && !all(is.na(info$test["statistic", ]))) {
    tests <- lapply(colnames(info$test), function(v) list(variable = v,
      statistic = num(unname(info$test["statistic", v])), p_value = num(unname(info$test["p.value", v]))))
  }
  pv <- num(info$p.value)
  worth <- NULL
  if (terminal) worth <- nums(worth_of(id, info$coefficients))
  nodes[[length(nodes) + 1L]] <<- list(id = id, depth = depth, n = info$nobs, terminal = terminal,
    split = split, p_value = pv, worth = worth, coefficients = nums(as.list(info$coefficients)),
    objective = num(info$objfun), tests = tests)
  if (!terminal) for (kid in kids_node(node)) walk(kid, depth + 1L)
}
walk(node_party(tree), 1L)
res <- list(frameworks = I(frameworks), n_subjects = sum(keep), seconds = seconds,
            r_versions = list(partykit = as.character(packageVersion("partykit")),
                              psychotools = as.character(packageVersion("psychotools")),
                              psychotree = as.character(packageVersion("psychotree"))),
            nodes = nodes)
writeLines(toJSON(res, auto_unbox = TRUE, null = "null", na = "null", digits = NA, pretty = TRUE,
                  json_verbatim = TRUE), out)
