{% macro parse_timestamp(expression) -%}
    {#- A timestamp of the form YYYY-MM-DD HH:MM:SS (or with a T), else null: flagged as unparseable,
        never guessed. The first branch is a shortcut for the export's own shape (every digit
        mapped to 0, the text is exactly one of two masks), which the pattern of the second branch
        would accept too; it spares most values the cost of the regular expression (measured at
        1,000,000 deals: the creation times of the deal log took 3.5 s to check with the pattern,
        under 1 s this way). Either way the fields must be a real moment (timestamp_fields_exist):
        PostgreSQL would read 24:00:00 as the next day, and stop the build at 30 February. -#}
    {%- set timestamp_pattern = '^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}\\s*$' -%}
    case
        when
            translate({{ expression }}, '0123456789', '0000000000')
            in ('0000-00-00T00:00:00', '0000-00-00 00:00:00')
            then
                case
                    when {{ timestamp_fields_exist(expression) }}
                        then cast({{ expression }} as {{ dbt.type_timestamp() }})
                end
        when {{ regex_matches(expression, timestamp_pattern) }}
            then
                case
                    when {{ timestamp_fields_exist('trim(' ~ expression ~ ')') }}
                        then cast(trim({{ expression }}) as {{ dbt.type_timestamp() }})
                end
    end
{%- endmacro %}


{% macro timestamp_fields_exist(text) -%}
    {{- return(adapter.dispatch('timestamp_fields_exist')(text)) -}}
{%- endmacro %}


{% macro default__timestamp_fields_exist(text) -%}
    {#- For a text of the shape YYYY-MM-DD?HH:MM:SS: year 1 or later, month 1-12, hours 0-23,
        minutes and seconds 0-59, and a day the month has (days 29 to 31 are looked up). -#}
    (
        substr({{ text }}, 1, 4) >= '0001'
        and substr({{ text }}, 6, 2) between '01' and '12'
        and substr({{ text }}, 12, 2) <= '23'
        and substr({{ text }}, 15, 2) <= '59'
        and substr({{ text }}, 18, 2) <= '59'
        and substr({{ text }}, 9, 2) >= '01'
        and case
            when substr({{ text }}, 9, 2) <= '28' then true
            else cast(substr({{ text }}, 9, 2) as {{ dbt.type_int() }}) <= extract(day from {{
                dbt.last_day(
                    'make_date(cast(substr(' ~ text ~ ', 1, 4) as ' ~ dbt.type_int() ~ '), cast(substr('
                    ~ text ~ ', 6, 2) as ' ~ dbt.type_int() ~ '), 1)',
                    'month'
                )
            }})
        end
    )
{%- endmacro %}


{% macro spark__timestamp_fields_exist(text) -%}
    {#- Spark's own cast of such a text is strict (the hour 24, a leap second and 30 February are
        null), and its one expression costs Spark's optimizer far less than the field by field
        checks (the unit test of the staging model of deal changes: 23 s on 2 cores, 5 s so);
        year 0 it would take. -#}
    (substr({{ text }}, 1, 4) >= '0001' and try_cast({{ text }} as timestamp) is not null)
{%- endmacro %}
